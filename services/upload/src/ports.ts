import type { Actor, AuditHistory, DescribeImage, OperationOutput } from "@platform/events";
import type { InvokeErrorCode, Issue } from "@platform/invoke";
import type { FileRecord, OutboxEvent } from "./files.ts";

/** What the service's logic needs from the outside world; tests pass fakes or local-cloud clients. */

export interface ListQuery {
  ownerId: string;
  purpose?: string;
  entityId?: string;
  limit: number;
  cursor?: string;
}

export interface FilesStore {
  /** Fails with FileExistsError when the id is taken. */
  create(file: FileRecord): Promise<void>;
  get(fileId: string): Promise<FileRecord | undefined>;
  /** Writes `file` only if the stored revision is still `expectedRev`; false when it moved on. */
  replace(file: FileRecord, expectedRev: number): Promise<boolean>;
  list(query: ListQuery): Promise<{ items: FileRecord[]; nextCursor?: string }>;
  /** Pending files due to the sweep (`sweepAt`) before `before`, oldest first. */
  duePending(before: string, limit: number): Promise<FileRecord[]>;
  /** Files no longer pending that still owe events written before `before`, oldest first. */
  strandedOutboxes(before: string, limit: number): Promise<FileRecord[]>;
}

export interface EventSink {
  /** Publishes each event with its own id; safe to call again with the same events. */
  publish(events: OutboxEvent[], correlationId: string): Promise<void>;
}

export interface PresignedPost {
  url: string;
  fields: Record<string, string>;
}

export interface StoredObject {
  size: number;
  etag: string;
  contentType: string | undefined;
  /** Base64 SHA-256 when S3 stored a checksum of the whole object. */
  checksumSha256: string | undefined;
}

export interface Storage {
  bucket: string;
  presignPost(input: {
    key: string;
    contentType: string;
    size: number;
    expiresIn: number;
  }): Promise<PresignedPost>;
  presignPut(input: {
    key: string;
    contentType: string;
    size: number;
    sha256Base64?: string;
    expiresIn: number;
  }): Promise<{ url: string; headers: Record<string, string> }>;
  presignGet(key: string, expiresIn: number, filename?: string): Promise<string>;
  head(key: string): Promise<StoredObject | undefined>;
  /** Hex SHA-256 of an object's bytes, streamed. */
  sha256(key: string): Promise<string>;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  deleteAll(keys: string[]): Promise<void>;
  createMultipart(key: string, contentType: string): Promise<string>;
  /** With `size`, the URL signs the part's content-length. */
  presignPart(
    key: string,
    uploadId: string,
    partNumber: number,
    expiresIn: number,
    size?: number,
  ): Promise<string>;
  listParts(
    key: string,
    uploadId: string,
  ): Promise<{ PartNumber: number; ETag: string; Size: number }[]>;
  completeMultipart(
    key: string,
    uploadId: string,
    parts: { PartNumber: number; ETag: string }[],
  ): Promise<string>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
}

/** How a call to another service's operation ended: its output, or why it has none. */
export type CallResult<T> =
  | { ok: true; output: T }
  | { ok: false; code: InvokeErrorCode; message: string; issues?: Issue[] };

/** Other services' operations this service calls, all through the invoke-proxy. */
export interface Operations {
  describeImage(
    fileId: string,
    correlationId: string,
  ): Promise<CallResult<OperationOutput<typeof DescribeImage>>>;
  fileHistory(
    query: { fileId: string; limit: number; cursor?: string },
    correlationId: string,
  ): Promise<CallResult<OperationOutput<typeof AuditHistory>>>;
}

export interface Ports {
  files: FilesStore;
  storage: Storage;
  events: EventSink;
  operations: Operations;
  now: () => Date;
  newId: () => string;
}

export type { Actor };
