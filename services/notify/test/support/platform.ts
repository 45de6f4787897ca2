import {
  createPublisher,
  FileDeleted,
  FileReady,
  FileRejected,
  FileRequested,
} from "@platform/events";
import { startTestCloud, type TestCloud } from "@platform/local-cloud";
import notify from "../../service.ts";

/** Limits for a file driving a local platform: `vi.setConfig(INTEGRATION)` at its top. */
export const INTEGRATION = { testTimeout: 60_000, hookTimeout: 120_000 };

/** A local platform running the notify service alone, shared by a test file. */
export function startPlatform(): Promise<TestCloud> {
  // Function output stays in each function's log (cloud.functionLogs), not on the test's console.
  return startTestCloud({ manifests: [notify], functionOutput: () => {} });
}

export const MANAGE = ["webhooks:manage"];

// biome-ignore lint/suspicious/noExplicitAny: tests index into answers of many shapes.
export type ApiAnswer = { status: number; headers: Headers; body: any };

/** The webhooks API as a client sees it: JSON in, status and parsed JSON out. */
export function apiClient(cloud: TestCloud, token: string) {
  return async function call(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    const response = await fetch(`${cloud.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? JSON.parse(text) : undefined,
    };
  };
}

/** A file of `ownerId`'s, as the upload service's events describe it. */
export function fileOf(ownerId: string, purpose = "profile") {
  const fileId = crypto.randomUUID();
  return {
    fileId,
    ownerId,
    purpose,
    entityId: ownerId,
    key: `tmp/${purpose}/${ownerId}/${fileId}_1767225600000.jpg`,
  };
}

export type TestFile = ReturnType<typeof fileOf>;

/** Publishes the upload service's events on the platform bus, as upload would. */
export function uploadEvents(cloud: TestCloud) {
  const publisher = createPublisher({ client: cloud.eventBridge, eventBusName: cloud.names.bus });
  const context = (ownerId: string, eventId?: string) => ({
    actor: { type: "user" as const, id: ownerId },
    correlationId: `req-${crypto.randomUUID()}`,
    ...(eventId ? { eventId } : {}),
  });
  const subject = ({ fileId, ownerId, purpose, entityId }: TestFile) => ({
    fileId,
    ownerId,
    purpose,
    entityId,
  });
  return {
    requested: (file: TestFile) =>
      publisher.publish(
        FileRequested,
        {
          ...subject(file),
          bucket: cloud.names.bucket,
          key: file.key,
          filename: "me.jpg",
          contentType: "image/jpeg",
          size: 3,
          method: "PUT",
          expiresAt: new Date(Date.now() + 300_000).toISOString(),
        },
        context(file.ownerId),
      ),
    ready: (file: TestFile, eventId?: string) =>
      publisher.publish(
        FileReady,
        {
          ...subject(file),
          original: { key: file.key.replace("tmp/", ""), size: 3, contentType: "image/jpeg" },
          variants: [
            {
              name: "256-webp",
              key: `${file.purpose}/${file.entityId}/256/${file.fileId}.webp`,
              width: 256,
              height: 256,
              format: "webp",
              size: 1200,
            },
          ],
        },
        context(file.ownerId, eventId),
      ),
    rejected: (file: TestFile) =>
      publisher.publish(
        FileRejected,
        { ...subject(file), reason: "not_an_image", message: "the bytes are not an image" },
        context(file.ownerId),
      ),
    deleted: (file: TestFile) =>
      publisher.publish(FileDeleted, { ...subject(file), keys: [file.key] }, context(file.ownerId)),
  };
}
