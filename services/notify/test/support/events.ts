import { existsSync, readFileSync } from "node:fs";

/** Events as EventBridge hands them to the fan-out function, for unit tests. */

export const OWNER = "owner-1";

export function fileSubject(purpose = "profile") {
  const fileId = crypto.randomUUID();
  return { fileId, ownerId: OWNER, purpose, entityId: OWNER };
}

export function platformEvent(
  detailType: string,
  data: unknown,
  eventId: string = crypto.randomUUID(),
) {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": detailType,
    source: "platform.upload",
    account: "111122223333",
    time: "2026-01-01T00:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail: {
      metadata: {
        eventId,
        version: 1,
        correlationId: "req-1",
        causationId: null,
        actor: { type: "user", id: OWNER },
        occurredAt: "2026-01-01T00:00:00.000Z",
      },
      data,
    },
  };
}

export function readyEvent(subject = fileSubject(), eventId?: string) {
  return platformEvent(
    "upload.file.ready",
    {
      ...subject,
      original: {
        key: `profile/${OWNER}/origin/${subject.fileId}.jpg`,
        size: 10,
        contentType: "image/jpeg",
      },
      variants: [
        {
          name: "64-webp",
          key: `profile/${OWNER}/64/${subject.fileId}.webp`,
          width: 64,
          height: 64,
          format: "webp",
          size: 300,
        },
      ],
    },
    eventId,
  );
}

export function requestedEvent(subject = fileSubject()) {
  return platformEvent("upload.file.requested", {
    ...subject,
    bucket: "uploads",
    key: `tmp/${subject.purpose}/${subject.entityId}/${subject.fileId}_1767225600000.jpg`,
    filename: "me.jpg",
    contentType: "image/jpeg",
    size: 10,
    method: "PUT",
    expiresAt: "2026-01-01T00:05:00.000Z",
  });
}

/** S3's Object Created event as AWS sent it (shared/conformance), for `key`. */
export function objectCreated(key: string, at: { bucket?: string; time?: string } = {}) {
  const snapshot = JSON.parse(readFileSync(findShared(), "utf8")) as Record<
    string,
    { "recorded-content": Record<string, Record<string, unknown>> }
  >;
  const sample = Object.values(snapshot).find((t) => t["recorded-content"].object_created)?.[
    "recorded-content"
  ].object_created;
  if (!sample) throw new Error("no object_created sample in the snapshot");
  const event = structuredClone(sample) as {
    id: string;
    time: string;
    detail: { bucket: { name: string }; object: { key: string; sequencer: string } };
  };
  event.id = crypto.randomUUID();
  event.time = at.time ?? "2026-01-01T00:00:01Z";
  event.detail.bucket.name = at.bucket ?? "uploads";
  event.detail.object.key = key;
  return event;
}

function findShared(): URL {
  const path = "shared/conformance/aws-event-samples/s3-to-eventbridge.snapshot.json";
  for (let dir = new URL("./", import.meta.url); dir.pathname !== "/"; dir = new URL("../", dir)) {
    const candidate = new URL(path, dir);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${path} not found in any folder above ${import.meta.url}`);
}
