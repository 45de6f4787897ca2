import type { TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiAnswer, apiClient, postToS3, startPlatform, WRITE } from "./support/platform.ts";

// A client written from /openapi.json alone: it finds each route in the document before using it.

let cloud: TestCloud;
let api: ReturnType<typeof apiClient>;
type OpenApi = {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }
    >
  >;
};
let spec: OpenApi;

const MiB = 1024 * 1024;

beforeAll(async () => {
  cloud = await startPlatform();
  api = apiClient(cloud, await cloud.token("dave", WRITE));
  spec = (await (await fetch(`${cloud.apiUrl}/openapi.json`)).json()) as OpenApi;
}, 120_000);
afterAll(async () => {
  await cloud?.stop();
});

/** Calls a route only if the document has it. */
function call(method: string, template: string, path: string, body?: unknown): Promise<ApiAnswer> {
  expect(spec.paths[template]?.[method.toLowerCase()], `${method} ${template}`).toBeDefined();
  return api(method, path, body);
}

/** Bytes with a pattern that differs per position, so a misplaced part would show. */
function bytesOf(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) bytes.writeUInt32LE(i, i);
  return bytes;
}

async function declare(size: number, contentType: string, query = "") {
  const required =
    spec.paths["/uploads"]?.post?.requestBody?.content["application/json"]?.schema.required;
  const body = { filename: `file-${size}`, contentType, size, purpose: "feed" };
  expect(Object.keys(body)).toEqual(expect.arrayContaining(required ?? ["(missing)"]));
  const created = await call("POST", "/uploads", `/uploads${query}`, body);
  expect(created.status).toBe(201);
  return created.body as {
    fileId: string;
    upload: { url: string; fields: Record<string, string>; headers: Record<string, string> };
  };
}

async function followToUploaded(fileId: string, bytes: Buffer) {
  await cloud.settle();
  const file = await call("GET", "/files/{fileId}", `/files/${fileId}`);
  expect(file.body).toMatchObject({ status: "uploaded", size: bytes.length });
  const content = await call("GET", "/files/{fileId}/content", `/files/${fileId}/content`);
  expect(content.status).toBe(302);
  const stored = Buffer.from(
    await (await fetch(content.headers.get("location") ?? "")).arrayBuffer(),
  );
  expect(stored.length).toBe(bytes.length);
  expect(stored.equals(bytes)).toBe(true);
}

describe("a client that only knows the OpenAPI document", () => {
  it("is served an OpenAPI 3.1 document without a token", async () => {
    const answer = await fetch(`${cloud.apiUrl}/openapi.json`);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as OpenApi).openapi).toBe("3.1.0");
  });

  it("uploads 1 KB with a presigned POST and follows it to uploaded", async () => {
    const bytes = bytesOf(1024);
    const { fileId, upload } = await declare(bytes.length, "image/jpeg");
    expect((await postToS3(upload, bytes, "image/jpeg")).status).toBe(204);
    await followToUploaded(fileId, bytes);
  });

  it("uploads 20 MB with a presigned PUT and follows it to uploaded", async () => {
    const bytes = bytesOf(20 * MiB);
    const { fileId, upload } = await declare(bytes.length, "image/jpeg", "?method=put");
    const sent = await fetch(upload.url, { method: "PUT", headers: upload.headers, body: bytes });
    expect(sent.status).toBe(200);
    await followToUploaded(fileId, bytes);
  });

  it("uploads 200 MB in ten parts and follows it to uploaded", async () => {
    const bytes = bytesOf(200 * MiB);
    const { fileId } = await declare(bytes.length, "video/mp4");
    const started = await call(
      "POST",
      "/uploads/{fileId}/multipart",
      `/uploads/${fileId}/multipart`,
    );
    expect(started.status).toBe(200);
    const { uploadId } = started.body as { uploadId: string };
    const base = `/uploads/${fileId}/multipart/${uploadId}`;
    const parts: { PartNumber: number; ETag: string }[] = [];
    for (let n = 1; n <= 10; n++) {
      const signed = await call(
        "GET",
        "/uploads/{fileId}/multipart/{uploadId}/parts/{partNumber}",
        `${base}/parts/${n}`,
      );
      const part = bytes.subarray((n - 1) * 20 * MiB, n * 20 * MiB);
      const sent = await fetch(signed.body.url, { method: "PUT", body: part });
      expect(sent.status).toBe(200);
      parts.push({ PartNumber: n, ETag: sent.headers.get("etag") ?? "" });
    }
    const done = await call(
      "POST",
      "/uploads/{fileId}/multipart/{uploadId}/complete",
      `${base}/complete`,
      {
        parts,
      },
    );
    expect(done.status).toBe(200);
    await followToUploaded(fileId, bytes);
  });
});
