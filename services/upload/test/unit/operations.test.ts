import { type ApiRequest, PROBLEM_BASE } from "@platform/http-api";
import { describe, expect, it } from "vitest";
import { dispatch } from "../../src/api/router.ts";
import type { CallResult, Operations, Storage } from "../../src/ports.ts";
import { FILE_ID, fakePorts, memoryFiles, noOperations, noStorage, pendingFile } from "./fakes.ts";

// The two routes that read other services' operations: ?detail=true (imaging.describe) and
// /history (audit.history). The operations themselves are tested through the proxy elsewhere.

const ALICE = { ownerId: "alice", actor: { type: "user" as const, id: "alice" } };
const BOB = { ownerId: "bob", actor: { type: "user" as const, id: "bob" } };
const storage: Storage = { ...noStorage, presignGet: async (key) => `https://signed/${key}` };
const readyFile = () =>
  pendingFile({
    status: "ready",
    uploaded: { etag: '"abc"', at: "2030-01-02T03:05:00.000Z", size: 1024 },
  });

const IMAGE = { format: "jpeg", width: 4000, height: 3000, hasAlpha: false, pages: 1 };
const DESCRIBED = {
  fileId: FILE_ID,
  key: "profile/alice/origin/x.jpg",
  contentType: "image/jpeg",
  state: "ready" as const,
  image: IMAGE,
};
const failed = (code: "timeout" | "target_failed" | "invalid_input" | "denied") =>
  ({ ok: false, code, message: `it failed: ${code}` }) satisfies CallResult<never>;

function get(routeKey: string, query: Record<string, string> = {}, principal = ALICE) {
  const req: ApiRequest = {
    routeKey,
    params: { fileId: FILE_ID },
    query,
    headers: {},
    body: Buffer.alloc(0),
    principal,
    requestId: "req-9",
  };
  return req;
}

async function call(req: ApiRequest, operations: Operations, file = readyFile()) {
  const ports = fakePorts({ files: memoryFiles(file), storage, operations });
  const response = await dispatch(req, ports, { error: () => {} });
  return { status: response.statusCode, json: JSON.parse(response.body ?? "null") };
}

describe("GET /files/{fileId}?detail=true", () => {
  it("adds imaging's description of the image, asked with the request's id", async () => {
    const asked: unknown[] = [];
    const operations: Operations = {
      ...noOperations,
      describeImage: async (fileId, correlationId) => {
        asked.push({ fileId, correlationId });
        return { ok: true, output: DESCRIBED };
      },
    };
    const { status, json } = await call(get("GET /files/{fileId}", { detail: "true" }), operations);
    expect(status).toBe(200);
    expect(json.detail).toEqual(IMAGE);
    expect(json.status).toBe("ready");
    expect(asked).toEqual([{ fileId: FILE_ID, correlationId: "req-9" }]);
  });

  it("does not call imaging without ?detail=true, nor for a file it has not begun", async () => {
    const plain = await call(get("GET /files/{fileId}"), noOperations);
    expect(plain.status).toBe(200);
    expect(plain.json).not.toHaveProperty("detail");

    const pending = await call(
      get("GET /files/{fileId}", { detail: "true" }),
      noOperations,
      pendingFile(),
    );
    expect(pending.status).toBe(200);
    expect(pending.json.detail).toBeNull();
  });

  it("answers null for a file that is not an image", async () => {
    const { image: _, ...pdf } = DESCRIBED;
    const operations = { ...noOperations, describeImage: async () => ({ ok: true, output: pdf }) };
    const { json } = await call(
      get("GET /files/{fileId}", { detail: "true" }),
      operations as Operations,
    );
    expect(json.detail).toBeNull();
  });

  it("answers 504 when imaging times out and 502 when it fails", async () => {
    const slow = { ...noOperations, describeImage: async () => failed("timeout") };
    const timedOut = await call(get("GET /files/{fileId}", { detail: "true" }), slow);
    expect(timedOut.status).toBe(504);
    expect(timedOut.json).toMatchObject({ type: `${PROBLEM_BASE}upstream-timeout`, status: 504 });

    const broken = { ...noOperations, describeImage: async () => failed("target_failed") };
    const failedCall = await call(get("GET /files/{fileId}", { detail: "true" }), broken);
    expect(failedCall.status).toBe(502);
    expect(failedCall.json).toMatchObject({
      type: `${PROBLEM_BASE}upstream-failed`,
      detail: "the image's details could not be read (target_failed)",
    });
  });

  it("refuses a detail value other than true or false, naming it", async () => {
    const { status, json } = await call(
      get("GET /files/{fileId}", { detail: "yes" }),
      noOperations,
    );
    expect(status).toBe(400);
    expect(json.errors).toEqual([expect.objectContaining({ in: "query", name: "detail" })]);
  });
});

describe("GET /files/{fileId}/history", () => {
  const entry = (action: string, at: string) => ({
    eventId: `e-${action}`,
    at,
    actor: { type: "user" as const, id: "alice" },
    action,
    fileId: FILE_ID,
    detail: { key: "tmp/secret/key", requester: "123456789012" },
  });

  it("answers the timeline from audit, keeping only who did what and when", async () => {
    const asked: unknown[] = [];
    const operations: Operations = {
      ...noOperations,
      fileHistory: async (query, correlationId) => {
        asked.push({ query, correlationId });
        return {
          ok: true,
          output: {
            items: [
              entry("requested", "2030-01-02T03:04:05.000Z"),
              entry("uploaded", "2030-01-02T03:05:00.000Z"),
            ],
            nextCursor: "next-page",
          },
        };
      },
    };
    const { status, json } = await call(
      get("GET /files/{fileId}/history", { limit: "2" }),
      operations,
    );
    expect(status).toBe(200);
    expect(json).toEqual({
      items: [
        {
          eventId: "e-requested",
          at: "2030-01-02T03:04:05.000Z",
          action: "requested",
          actor: { type: "user", id: "alice" },
        },
        {
          eventId: "e-uploaded",
          at: "2030-01-02T03:05:00.000Z",
          action: "uploaded",
          actor: { type: "user", id: "alice" },
        },
      ],
      nextCursor: "next-page",
    });
    expect(asked).toEqual([{ query: { fileId: FILE_ID, limit: 2 }, correlationId: "req-9" }]);
  });

  it("answers another owner's file with 404 without asking audit", async () => {
    const { status } = await call(get("GET /files/{fileId}/history", {}, BOB), noOperations);
    expect(status).toBe(404);
  });

  it("answers a cursor audit refuses with 400 on the cursor", async () => {
    const operations = { ...noOperations, fileHistory: async () => failed("invalid_input") };
    const { status, json } = await call(
      get("GET /files/{fileId}/history", { cursor: "forged" }),
      operations,
    );
    expect(status).toBe(400);
    expect(json.errors).toEqual([
      { in: "query", name: "cursor", detail: "is not a cursor this API issued" },
    ]);
  });

  it("answers 502 when the call is refused or fails, and 504 when it times out", async () => {
    const denied = { ...noOperations, fileHistory: async () => failed("denied") };
    expect((await call(get("GET /files/{fileId}/history"), denied)).status).toBe(502);
    const slow = { ...noOperations, fileHistory: async () => failed("timeout") };
    expect((await call(get("GET /files/{fileId}/history"), slow)).status).toBe(504);
  });

  it("refuses a limit out of range", async () => {
    const { status, json } = await call(
      get("GET /files/{fileId}/history", { limit: "500" }),
      noOperations,
    );
    expect(status).toBe(400);
    expect(json.errors).toEqual([expect.objectContaining({ in: "query", name: "limit" })]);
  });
});
