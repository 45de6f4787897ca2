import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import {
  type AnyPlatformContract,
  type DataInputOf,
  defineContract,
  type FileDeleted,
  type FileExpired,
  type FileReady,
  type FileRejected,
  type FileRequested,
  type FileUploaded,
  type ImagingFileRejected,
  type ImagingProgressUpdated,
  type InvocationCompleted,
  type Metadata,
  type VariantsCreated,
} from "../src/index.ts";

export const FILE_ID = "3f1c2b8e-5d4a-4c6b-9e7f-0a1b2c3d4e5f";
export const EVENT_ID = "7b0e9c1a-2d3f-4a5b-8c6d-9e0f1a2b3c4d";

const subject = { fileId: FILE_ID, ownerId: "user-1", purpose: "profile", entityId: "user-1" };
export const VARIANT = {
  name: "small",
  key: "profile/user-1/small/a.webp",
  width: 128,
  height: 128,
  format: "webp" as const,
  size: 2048,
};

/** One valid data object for each platform contract's latest version. */
export const validData = {
  "upload.file.requested": {
    ...subject,
    bucket: "uploads",
    key: `tmp/${FILE_ID}`,
    filename: "me.png",
    contentType: "image/png",
    size: 1024,
    sha256: "a".repeat(64),
    method: "PUT",
    expiresAt: "2025-01-01T00:15:00.000Z",
  },
  "upload.file.uploaded": {
    ...subject,
    bucket: "uploads",
    key: `tmp/${FILE_ID}`,
    size: 1024,
    etag: "8d777f385d3dfec8815d20f7496026dc",
    contentType: "image/png",
  },
  "upload.file.ready": {
    ...subject,
    original: { key: "profile/user-1/origin/a.png", size: 1024, contentType: "image/png" },
    variants: [VARIANT],
  },
  "upload.file.rejected": { ...subject, reason: "not_an_image", message: "not an image" },
  "upload.file.deleted": { ...subject, keys: ["profile/user-1/origin/a.png"] },
  "upload.file.expired": { ...subject, key: `tmp/${FILE_ID}`, stage: "tmp" },
  "imaging.progress.updated": {
    fileId: FILE_ID,
    bucket: "uploads",
    sourceKey: `tmp/${FILE_ID}`,
    done: 1,
    total: 3,
    variant: "small",
  },
  "imaging.variants.created": {
    fileId: FILE_ID,
    bucket: "uploads",
    sourceKey: `tmp/${FILE_ID}`,
    purpose: "profile",
    entityId: "user-1",
    original: {
      key: "profile/user-1/origin/a.png",
      size: 1024,
      contentType: "image/png",
      width: 640,
    },
    variants: [VARIANT],
  },
  "imaging.file.rejected": {
    fileId: FILE_ID,
    bucket: "uploads",
    sourceKey: `tmp/${FILE_ID}`,
    purpose: "profile",
    entityId: "user-1",
    reason: "type_mismatch",
    message: "declared image/png, bytes are a PDF",
    detectedType: "application/pdf",
  },
  "proxy.invocation.completed": {
    caller: "upload",
    operation: "imaging.describe",
    target: "ImagingDescribe",
    mode: "sync",
    outcome: "ok",
    durationMs: 12,
    requestBytes: 48,
    responseBytes: 512,
  },
} satisfies {
  [C in
    | typeof FileRequested
    | typeof FileUploaded
    | typeof FileReady
    | typeof FileRejected
    | typeof FileDeleted
    | typeof FileExpired
    | typeof ImagingProgressUpdated
    | typeof VariantsCreated
    | typeof ImagingFileRejected
    | typeof InvocationCompleted as C["detailType"]]: DataInputOf<C>;
};

export function metadata(overrides: Partial<Metadata> = {}): Metadata {
  return {
    eventId: EVENT_ID,
    version: 1,
    correlationId: "req-1",
    causationId: null,
    actor: { type: "user", id: "user-1" },
    occurredAt: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}

/** An event as EventBridge delivers it to a Lambda target. */
export function eventBridgeEvent(
  contract: { source: string; detailType: string },
  detail: unknown,
): Record<string, unknown> {
  return {
    version: "0",
    id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": contract.detailType,
    source: contract.source,
    account: "111122223333",
    time: "2025-01-01T00:00:01Z",
    region: "eu-west-1",
    resources: [],
    detail,
  };
}

/** A test-only contract whose v2 renamed `name` to `title` (a breaking change). */
export const Renamed = defineContract({
  source: "platform.test",
  detailType: "test.thing.renamed",
  description: "test only",
  versions: {
    1: z.object({ name: z.string().min(1) }),
    2: z.object({ title: z.string().min(1), tags: z.array(z.string()).default([]) }),
  },
});

export function platformEvent(contract: AnyPlatformContract, data: unknown, version = 1) {
  return eventBridgeEvent(contract, { metadata: metadata({ version }), data });
}

/** The S3 -> EventBridge events LocalStack recorded against real AWS (shared/conformance). */
export function loadS3Snapshot(): unknown {
  const file = findShared("conformance/aws-event-samples/s3-to-eventbridge.snapshot.json");
  return JSON.parse(readFileSync(file, "utf8"));
}

/** Finds `shared/<path>` in the nearest folder above this file that has it (the repo's sibling). */
function findShared(path: string): URL {
  for (let dir = new URL("./", import.meta.url); dir.pathname !== "/"; dir = new URL("../", dir)) {
    const candidate = new URL(`shared/${path}`, dir);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`shared/${path} not found in any folder above ${import.meta.url}`);
}

/** Every object in a JSON tree that looks like an EventBridge event. */
export function findEvents(node: unknown): Record<string, unknown>[] {
  if (Array.isArray(node)) return node.flatMap(findEvents);
  if (typeof node !== "object" || node === null) return [];
  const record = node as Record<string, unknown>;
  if (typeof record["detail-type"] === "string" && "detail" in record) return [record];
  return Object.values(record).flatMap(findEvents);
}
