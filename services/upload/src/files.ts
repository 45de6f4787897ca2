import type { Actor, Variant } from "@platform/events";
import { sweepAtFor } from "./lifecycle.ts";

/**
 * A file's row and the only ways it may change. Each transition is a pure function from the row
 * and what happened to the next row and the events to publish, or `undefined` when there is
 * nothing to do: that is how duplicate and out-of-order events end up changing nothing.
 */
export type FileStatus =
  | "pending"
  | "uploaded"
  | "processing"
  | "ready"
  | "rejected"
  | "deleted"
  | "expired";

/** A status only ever moves to a higher rank. */
const RANK: Record<FileStatus, number> = {
  pending: 0,
  uploaded: 1,
  processing: 2,
  ready: 3,
  rejected: 3,
  deleted: 4,
  expired: 4,
};

export type UploadMethod = "POST" | "PUT" | "multipart" | "form";

export interface Original {
  key: string;
  size: number;
  contentType: string;
  width?: number;
  height?: number;
}

/** An event waiting to be published: written with the change, cleared once published. */
export interface OutboxEvent {
  detailType: string;
  eventId: string;
  data: Record<string, unknown>;
  actor: Actor;
  causationId: string | null;
}

export interface FileRecord {
  fileId: string;
  ownerId: string;
  /** `<ownerId>#<purpose>#<entityId>`: lists one owner's files of one purpose and entity. */
  ownerScope: string;
  actor: Actor;
  purpose: string;
  entityId: string;
  /** The client's name for the file: data only, never part of a key. */
  filename: string;
  contentType: string;
  size: number;
  sha256?: string;
  method: UploadMethod;
  status: FileStatus;
  /** Where the bytes arrive, under tmp/. */
  key: string;
  correlationId: string;
  createdAt: string;
  updatedAt: string;
  /** When the upload's signed request stops working. */
  uploadExpiresAt: string;
  multipartUploadId?: string;
  uploaded?: { etag: string; size: number; at: string };
  progress: { done: number; total: number };
  original?: Original;
  variants: Variant[];
  error?: { code: string; message: string };
  /** Optimistic concurrency: every write expects the revision it read. */
  rev: number;
  outbox: OutboxEvent[];
  /**
   * The sweep's sparse index, set only while there is something to sweep: `pending` with the time
   * the file falls due (its expiry plus a transfer allowance), or `outbox` with the time a file that
   * has left pending was written still owing events (see lifecycle.ts).
   */
  sweepShard?: "pending" | "outbox";
  sweepAt?: string;
  /** Epoch seconds: a deleted or expired row is removed by DynamoDB's TTL after a while. */
  expiresAt?: number;
}

export interface Change {
  file: FileRecord;
  events: Omit<OutboxEvent, "eventId">[];
}

/** How long a deleted or expired row is kept for the owner to see, before TTL removes it. */
export const RETAIN_ENDED_SECONDS = 30 * 24 * 3600;

const SYSTEM: Actor = { type: "service", id: "upload" };

export const isFinal = (status: FileStatus) => RANK[status] >= RANK.ready;

function advance(file: FileRecord, status: FileStatus, at: string): FileRecord {
  const next = { ...file, updatedAt: at };
  if (RANK[status] > RANK[file.status]) next.status = status;
  if (next.status !== "pending") {
    delete next.sweepShard;
    delete next.sweepAt;
  }
  return next;
}

const subject = (file: FileRecord) => ({
  fileId: file.fileId,
  ownerId: file.ownerId,
  purpose: file.purpose,
  entityId: file.entityId,
});

function reject(
  file: FileRecord,
  code: string,
  message: string,
  at: string,
  causationId: string | null,
): Change {
  return {
    file: { ...advance(file, "rejected", at), status: "rejected", error: { code, message } },
    events: [
      {
        detailType: "upload.file.rejected",
        data: { ...subject(file), reason: code, message },
        actor: SYSTEM,
        causationId,
      },
    ],
  };
}

export interface ArrivedObject {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  contentType: string | undefined;
  /** Whether the bytes hash to the declared sha256; undefined when none was declared. */
  sha256Matches: boolean | undefined;
}

/**
 * The bytes arrived under tmp/: checked against what was declared, then `uploaded`, or straight
 * to `ready` when imaging's result is already recorded. Only this makes a file ready, so a file is
 * never ready before its bytes passed the checks.
 */
export function objectArrived(
  file: FileRecord,
  object: ArrivedObject,
  at: string,
  causationId: string | null,
): Change | undefined {
  if (file.uploaded || object.key !== file.key || file.status === "ready") return undefined;
  if (RANK[file.status] >= RANK.deleted) return undefined;
  const arrived = { ...file, uploaded: { etag: object.etag, size: object.size, at } };
  // Imaging refused it first: note the bytes (so they are removed) but announce nothing twice.
  if (file.status === "rejected") return { file: { ...arrived, updatedAt: at }, events: [] };
  if (object.size !== file.size)
    return reject(
      arrived,
      "size_mismatch",
      `declared ${file.size} bytes, received ${object.size}`,
      at,
      causationId,
    );
  if (object.contentType !== undefined && object.contentType !== file.contentType)
    return reject(
      arrived,
      "type_mismatch",
      `declared ${file.contentType}, stored as ${object.contentType}`,
      at,
      causationId,
    );
  if (object.sha256Matches === false)
    return reject(
      arrived,
      "checksum_mismatch",
      "the bytes do not match the declared sha256",
      at,
      causationId,
    );
  const uploaded: Change["events"][number] = {
    detailType: "upload.file.uploaded",
    data: {
      ...subject(file),
      bucket: object.bucket,
      key: file.key,
      size: object.size,
      etag: object.etag,
      contentType: file.contentType,
    },
    actor: file.actor,
    causationId,
  };
  if (file.original)
    return {
      file: { ...advance(arrived, "ready", at), multipartUploadId: undefined },
      events: [uploaded, readyEvent(file, file.original, file.variants, causationId)],
    };
  return {
    file: { ...advance(arrived, "uploaded", at), multipartUploadId: undefined },
    events: [uploaded],
  };
}

/** Imaging finished a step. Progress never goes backwards and ends nothing. */
export function progressed(
  file: FileRecord,
  progress: { done: number; total: number },
  at: string,
): Change | undefined {
  if (isFinal(file.status)) return undefined;
  const done = Math.max(file.progress.done, progress.done);
  const total = Math.max(file.progress.total, progress.total);
  if (file.status === "processing" && done === file.progress.done && total === file.progress.total)
    return undefined;
  return { file: { ...advance(file, "processing", at), progress: { done, total } }, events: [] };
}

function readyEvent(
  file: FileRecord,
  original: Original,
  variants: Variant[],
  causationId: string | null,
): Change["events"][number] {
  return {
    detailType: "upload.file.ready",
    data: {
      ...subject(file),
      original: { key: original.key, size: original.size, contentType: original.contentType },
      variants,
    },
    actor: SYSTEM,
    causationId,
  };
}

/**
 * Imaging made every variant and promoted the original: the file is ready once its arrival passed
 * the checks. Until then the result is kept and the file stays `processing`; `objectArrived`
 * finishes it.
 */
export function variantsCreated(
  file: FileRecord,
  result: { original: Original; variants: Variant[] },
  at: string,
  causationId: string | null,
): Change | undefined {
  if (isFinal(file.status)) return undefined;
  // Already holding imaging's result and waiting for the arrival: a repeat changes nothing.
  if (!file.uploaded && file.original) return undefined;
  const total = Math.max(file.progress.total, result.variants.length);
  const withResult = {
    ...file,
    original: result.original,
    variants: result.variants,
    progress: { done: total, total },
  };
  if (!file.uploaded) return { file: advance(withResult, "processing", at), events: [] };
  return {
    file: advance(withResult, "ready", at),
    events: [readyEvent(file, result.original, result.variants, causationId)],
  };
}

/** Imaging refused the file after reading its bytes. */
export function imagingRejected(
  file: FileRecord,
  reason: { code: string; message: string },
  at: string,
  causationId: string | null,
): Change | undefined {
  if (isFinal(file.status)) return undefined;
  return reject(file, reason.code, reason.message, at, causationId);
}

/** Every object a file may have in the bucket. */
export function keysOf(file: FileRecord): string[] {
  const keys = [file.key, file.original?.key, ...file.variants.map((v) => v.key)];
  return [...new Set(keys.filter((k): k is string => Boolean(k)))];
}

const retainUntil = (at: string) => Math.floor(Date.parse(at) / 1000) + RETAIN_ENDED_SECONDS;

/** The owner deleted the file; a consumer of upload.file.deleted removes its objects. */
export function deleted(file: FileRecord, actor: Actor, at: string): Change | undefined {
  if (file.status === "deleted") return undefined;
  return {
    file: { ...advance(file, "deleted", at), status: "deleted", expiresAt: retainUntil(at) },
    events: [
      {
        detailType: "upload.file.deleted",
        data: { ...subject(file), keys: keysOf(file) },
        actor,
        causationId: null,
      },
    ],
  };
}

/** The signed request expired and no bytes ever arrived. */
export function expired(file: FileRecord, at: string): Change | undefined {
  if (file.status !== "pending" || file.uploaded) return undefined;
  return {
    file: { ...advance(file, "expired", at), expiresAt: retainUntil(at) },
    events: [
      {
        detailType: "upload.file.expired",
        data: { ...subject(file), key: file.key, stage: "pending" },
        actor: SYSTEM,
        causationId: null,
      },
    ],
  };
}

/**
 * A multipart upload began at the file's key. Large uploads take time, so the file gets a longer
 * window; it is set once per file, so aborting and starting again never extends it.
 */
export function multipartStarted(
  file: FileRecord,
  uploadId: string,
  at: string,
  windowSeconds: number,
): Change | undefined {
  if (file.status !== "pending" || file.multipartUploadId) return undefined;
  if (Date.parse(at) >= Date.parse(file.uploadExpiresAt)) return undefined;
  const until =
    file.method === "multipart"
      ? file.uploadExpiresAt
      : new Date(Date.parse(at) + windowSeconds * 1000).toISOString();
  return {
    file: {
      ...file,
      method: "multipart",
      multipartUploadId: uploadId,
      uploadExpiresAt: until,
      sweepAt: sweepAtFor(until, file.size),
      updatedAt: at,
    },
    events: [],
  };
}

/** The multipart upload was aborted: the file stays pending, and the sweep expires it in time. */
export function multipartAborted(
  file: FileRecord,
  uploadId: string,
  at: string,
): Change | undefined {
  if (file.multipartUploadId !== uploadId) return undefined;
  const { multipartUploadId: _, ...rest } = file;
  return { file: { ...rest, updatedAt: at }, events: [] };
}
