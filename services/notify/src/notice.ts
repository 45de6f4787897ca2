import {
  type EventOf,
  FileDeleted,
  FileReady,
  FileRejected,
  S3ObjectCreated,
} from "@platform/events";

/**
 * What subscribers and webhooks receive: one notice per event, the same JSON on SNS and in a
 * webhook's body. `id` is the event's id, the same on every retry: the receiver's idempotency key.
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

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const TMP_KEY = new RegExp(`^tmp/([a-z-]+)/([A-Za-z0-9_-]+)/(${UUID})_(\\d+)\\.([a-z0-9]+)$`);

/** The parts of a key the upload API chose (`tmp/<purpose>/<entity>/<fileId>_<ms>.<ext>`). */
export function parseTmpKey(
  key: string,
): { purpose: string; entityId: string; fileId: string } | undefined {
  const match = TMP_KEY.exec(key);
  if (!match) return undefined;
  const [, purpose = "", entityId = "", fileId = ""] = match;
  return { purpose, entityId, fileId };
}

/** A platform event's notice: its data as published, under its own id and time. */
export function platformNotice(event: PlatformNotified): Notice {
  return {
    id: event.detail.metadata.eventId,
    type: event.detailType,
    occurredAt: event.detail.metadata.occurredAt,
    data: { ...event.detail.data },
  };
}

/** Bytes arrived under tmp/: the owner comes from the projection, when known. */
export function receivedNotice(
  event: EventOf<typeof S3ObjectCreated>,
  file: { fileId: string; purpose: string; entityId: string },
  ownerId: string | undefined,
): Notice {
  const { key, size, etag } = event.detail.object;
  return {
    id: event.id,
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
