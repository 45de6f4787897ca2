import {
  type Actor,
  type EventOf,
  InvocationCompleted,
  type KnownPlatformContract,
  platformContracts,
  S3ObjectCreated,
  S3ObjectDeleted,
} from "@platform/events";
import { TMP_PREFIX } from "@platform/manifest";
import { fileIdOfKey, instant } from "./keys.ts";

/** Every event the ledger records: the platform's own, and S3's object events for the bucket. */
export const AUDITED = [...platformContracts, S3ObjectCreated, S3ObjectDeleted] as const;

export type PlatformAuditedEvent = EventOf<KnownPlatformContract>;
export type S3AuditedEvent = EventOf<typeof S3ObjectCreated | typeof S3ObjectDeleted>;

/** The flat fields of a call through the invoke-proxy, as `proxy.invocation.completed` reports it. */
export interface ProxyCall {
  caller: string;
  operation: string;
  target: string;
  mode: "sync" | "async";
  outcome: string;
  durationMs: number;
  requestBytes: number;
  responseBytes: number;
  errorCode?: string;
}

/** One line of the ledger: who did what, when, to which file. */
export interface LedgerEntry extends Partial<ProxyCall> {
  /** The platform event's metadata.eventId, or S3's envelope id: one entry per id. */
  eventId: string;
  /** What makes two deliveries the same event, when the id alone does not (S3's events). */
  dedupeKey?: string;
  /** When it happened (the ledger's order). */
  at: string;
  recordedAt: string;
  /** The event's detail-type. */
  type: string;
  source: string;
  /** A short verb: "requested", "uploaded", "object.created", "call". */
  action: string;
  actor: Actor;
  fileId?: string;
  /** S3's events only: the object's key. */
  objectKey?: string;
  correlationId: string;
  causationId: string | null;
  /** The event's data (S3's detail for S3's events). */
  detail: Record<string, unknown>;
}

/** Who S3's own events are attributed to when the file's requester is not known. */
export const S3_ACTOR: Actor = { type: "system", id: "s3" };

export function actionOf(source: string, detailType: string): string {
  if (detailType === InvocationCompleted.detailType) return "call";
  // "Object Created" -> "object.created"
  if (source === "aws.s3") return detailType.toLowerCase().replaceAll(" ", ".");
  // "upload.file.requested" -> "requested", "imaging.variants.created" -> "variants.created"
  const [, ...rest] = detailType.split(".");
  return (rest[0] === "file" && rest.length > 1 ? rest.slice(1) : rest).join(".");
}

/** The entry of a platform event: its metadata says who, when and in which chain. */
export function platformEntry(event: PlatformAuditedEvent, recordedAt: Date): LedgerEntry {
  const { metadata } = event.detail;
  const data = event.detail.data as Record<string, unknown>;
  const call: Partial<ProxyCall> =
    event.detailType === InvocationCompleted.detailType ? event.detail.data : {};
  return {
    eventId: metadata.eventId,
    at: instant(metadata.occurredAt),
    recordedAt: instant(recordedAt),
    type: event.detailType,
    source: event.source,
    action: actionOf(event.source, event.detailType),
    actor: metadata.actor,
    ...(typeof data.fileId === "string" ? { fileId: data.fileId } : {}),
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
    detail: data,
    ...call,
  };
}

/**
 * The entry of S3's event. S3 names no platform actor: an upload's arrival under tmp/ is its
 * requester's (when the ledger holds the request); every other object change, S3's own.
 * EventBridge gives S3's events whole-second times, which would put an object before everything
 * else of its second; the entry is placed when it was recorded, kept within S3's second (so
 * S3's time is `at` cut to the second) and after its file's request; an upload's own arrival
 * under tmp/ is placed as early as that allows, before whatever reacted to it.
 */
export function s3Entry(
  event: S3AuditedEvent,
  request: LedgerEntry | undefined,
  recordedAt: Date,
): LedgerEntry {
  const key = event.detail.object.key;
  const fileId = fileIdOfKey(key);
  const second = Math.floor(Date.parse(event.time) / 1000) * 1000;
  const recorded = Math.max(second, Math.min(recordedAt.getTime(), second + 999));
  const afterRequest = request ? Date.parse(request.at) + 1 : second;
  // The bytes the requester's signed upload put under tmp/: theirs, and placed as early as S3's
  // second allows (after the request, before whatever reacted to them), however late recorded.
  const upload =
    event.detailType === S3ObjectCreated.detailType && key.startsWith(TMP_PREFIX) && request;
  const at = instant(
    new Date(upload ? Math.max(second, afterRequest) : Math.max(recorded, afterRequest)),
  );
  const { bucket, object } = event.detail;
  return {
    eventId: event.id,
    // S3 may hand one object change to EventBridge twice, each time under a new envelope id.
    dedupeKey: `s3:${event.detailType}:${bucket.name}/${key}@${object.sequencer}`,
    at,
    recordedAt: instant(recordedAt),
    type: event.detailType,
    source: event.source,
    action: actionOf(event.source, event.detailType),
    // Copies, variants and removals are the platform's doing (S3's requester stays in the detail).
    actor: upload ? upload.actor : S3_ACTOR,
    ...(fileId ? { fileId } : {}),
    objectKey: key,
    // An object event joins its file's request chain when known, else starts its own.
    correlationId: request?.correlationId ?? event.id,
    causationId: null,
    detail: event.detail as Record<string, unknown>,
  };
}
