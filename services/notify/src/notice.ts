import { createHash } from "node:crypto";
import {
  type EventOf,
  FileDeleted,
  FileReady,
  FileRejected,
  S3ObjectCreated,
} from "@platform/events";

/**
 * What subscribers and webhooks receive: one notice per event, the same JSON on SNS and in a
 * webhook's body. `id` is a UUID, the same on every retry and duplicate: the receiver's
 * idempotency key (a platform event's own id; for S3's events, see receivedNoticeId).
 */
export const NOTICE_TYPES = [
  "upload.file.received",
  "upload.file.ready",
  "upload.file.rejected",
  "upload.file.deleted",
] as const;
export type NoticeType = (typeof NOTICE_TYPES)[number];

/** Sent only by `POST /webhooks/{id}/test`. */
export const TEST_NOTICE = "webhook.test";

export interface Notice {
  id: string;
  type: NoticeType | typeof TEST_NOTICE;
  occurredAt: string;
  data: { fileId?: string; ownerId?: string; purpose?: string } & Record<string, unknown>;
}

/** The events notify reacts to with a notice. */
export const NOTIFIED = [FileReady, FileRejected, FileDeleted, S3ObjectCreated] as const;

export type NotifiedEvent = EventOf<(typeof NOTIFIED)[number]>;
export type PlatformNotified = Exclude<NotifiedEvent, { source: "aws.s3" }>;

/** A platform event's notice: its data as published, under its own id and time. */
export function platformNotice(event: PlatformNotified): Notice {
  return {
    id: event.detail.metadata.eventId,
    type: event.detailType,
    occurredAt: event.detail.metadata.occurredAt,
    data: { ...event.detail.data },
  };
}

/** RFC 9562 UUIDv5: the SHA-1 of the namespace's 16 bytes and the name, formatted as a UUID. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash("sha1")
    .update(Buffer.from(namespace.replaceAll("-", ""), "hex"))
    .update(name, "utf8")
    .digest()
    .subarray(0, 16);
  hash.writeUInt8((hash.readUInt8(6) & 0x0f) | 0x50, 6);
  hash.writeUInt8((hash.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = hash.toString("hex");
  return [0, 8, 12, 16, 20].map((at, i, cuts) => hex.slice(at, cuts[i + 1])).join("-");
}

// Fixed once: the UUIDv5 namespace of received notices' ids.
const RECEIVED_NAMESPACE = "5f0f3c2e-8d1b-4b7a-9a51-3e6f1c2d7b90";

/**
 * S3 may hand one object change to EventBridge more than once, each time under a new envelope id;
 * the bucket, key and sequencer name the change itself, so they make the notice's id.
 */
export function receivedNoticeId(detail: {
  bucket: { name: string };
  object: { key: string; sequencer: string };
}): string {
  const { bucket, object } = detail;
  return uuidV5(`${bucket.name}/${object.key}@${object.sequencer}`, RECEIVED_NAMESPACE);
}

/** Bytes arrived under tmp/: the owner comes from the projection, when known. */
export function receivedNotice(
  event: EventOf<typeof S3ObjectCreated>,
  file: { fileId: string; purpose: string; entityId: string },
  ownerId: string | undefined,
): Notice {
  const { key, size, etag } = event.detail.object;
  return {
    id: receivedNoticeId(event.detail),
    type: "upload.file.received",
    occurredAt: new Date(event.time).toISOString(),
    data: {
      fileId: file.fileId,
      ...(ownerId ? { ownerId } : {}),
      purpose: file.purpose,
      entityId: file.entityId,
      key,
      size,
      etag,
    },
  };
}

/** SNS message attributes subscribers filter on; ownerId only when the owner is known. */
export function noticeAttributes(notice: Notice): Record<string, string> {
  return {
    eventType: notice.type,
    ...(notice.data.purpose ? { purpose: notice.data.purpose } : {}),
    ...(notice.data.ownerId ? { ownerId: notice.data.ownerId } : {}),
  };
}
