import { existsSync, readFileSync } from "node:fs";
import type { Actor } from "@platform/events";

/** Events as EventBridge hands them to the record function, for unit tests. */

export const FILE_ID = "3f1c2b8e-5d4a-4c6b-9e7f-0a1b2c3d4e5f";
export const USER: Actor = { type: "user", id: "user-1" };
const subject = { fileId: FILE_ID, ownerId: "user-1", purpose: "profile", entityId: "user-1" };

export const requestedData = {
  ...subject,
  bucket: "uploads",
  key: `tmp/profile/user-1/${FILE_ID}_1735689600000.jpg`,
  filename: "me.jpg",
  contentType: "image/jpeg",
  size: 1024,
  method: "PUT",
  expiresAt: "2025-01-01T00:15:00.000Z",
};

export const callData = {
  caller: "upload",
  operation: "imaging.describe",
  target: "ImagingDescribe",
  mode: "sync",
  outcome: "ok",
  durationMs: 12,
  requestBytes: 48,
  responseBytes: 512,
};

export function platformEvent(
  source: string,
  detailType: string,
  data: unknown,
  metadata: { eventId: string; occurredAt: string; actor?: Actor; causationId?: string | null },
) {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": detailType,
    source,
    account: "111122223333",
    time: metadata.occurredAt.replace(/\.\d{3}Z$/, "Z"),
    region: "eu-west-1",
    resources: [],
    detail: {
      metadata: {
        eventId: metadata.eventId,
        version: 1,
        correlationId: "req-1",
        causationId: metadata.causationId ?? null,
        actor: metadata.actor ?? USER,
        occurredAt: metadata.occurredAt,
      },
      data,
    },
  };
}

/** The S3 -> EventBridge event AWS sent (shared/conformance), with its placeholders filled in. */
export function s3Event(
  kind: "object_created" | "object_deleted",
  fill: { key: string; time: string; id?: string; bucket?: string },
) {
  const snapshot = JSON.parse(
    readFileSync(
      findShared("conformance/aws-event-samples/s3-to-eventbridge.snapshot.json"),
      "utf8",
    ),
  ) as Record<string, { "recorded-content": Record<string, Record<string, unknown>> }>;
  const sample = Object.values(snapshot).find((test) => test["recorded-content"][kind])?.[
    "recorded-content"
  ][kind];
  if (!sample) throw new Error(`no ${kind} sample in the snapshot`);
  const event = structuredClone(sample) as {
    id: string;
    time: string;
    region: string;
    resources: string[];
    detail: {
      bucket: { name: string };
      object: { key: string; sequencer: string };
      "source-ip-address": string;
    };
  };
  const bucket = fill.bucket ?? "uploads";
  event.id = fill.id ?? crypto.randomUUID();
  event.time = fill.time;
  event.region = "eu-west-1";
  event.resources = [`arn:aws:s3:::${bucket}`];
  event.detail.bucket.name = bucket;
  event.detail.object.key = fill.key;
  event.detail["source-ip-address"] = "192.0.2.1";
  return event;
}

function findShared(path: string): URL {
  for (let dir = new URL("./", import.meta.url); dir.pathname !== "/"; dir = new URL("../", dir)) {
    const candidate = new URL(`shared/${path}`, dir);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`shared/${path} not found in any folder above ${import.meta.url}`);
}
