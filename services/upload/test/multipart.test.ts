import { randomBytes } from "node:crypto";
import type { TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FileRecord, multipartAborted, multipartStarted } from "../src/files.ts";
import { apiClient, postToS3, startPlatform, WRITE } from "./support/platform.ts";

let cloud: TestCloud;
let api: ReturnType<typeof apiClient>;
let bob: ReturnType<typeof apiClient>;

beforeAll(async () => {
  cloud = await startPlatform();
  api = apiClient(cloud, await cloud.token("alice", WRITE));
  bob = apiClient(cloud, await cloud.token("bob", WRITE));
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
});

const MiB = 1024 * 1024;
const PROBLEMS = "https://file-platform.dev/problems/";

/** Records a video for the feed, declared at `size` bytes. */
async function recordFile(size: number): Promise<{ fileId: string; key: string }> {
  const created = await api("POST", "/uploads", {
    filename: "clip.mp4",
    contentType: "video/mp4",
    size,
    purpose: "feed",
  });
  expect(created.status).toBe(201);
  return created.body;
}

async function startUpload(fileId: string): Promise<string> {
  const started = await api("POST", `/uploads/${fileId}/multipart`);
  expect(started.status).toBe(200);
  return started.body.uploadId;
}

/** Signs one part through the API and PUTs its bytes to S3; returns S3's ETag for it. */
async function sendPart(fileId: string, uploadId: string, partNumber: number, bytes: Buffer) {
  const signed = await api("GET", `/uploads/${fileId}/multipart/${uploadId}/parts/${partNumber}`);
  expect(signed.status).toBe(200);
  const sent = await fetch(signed.body.url, { method: "PUT", body: bytes });
  expect(sent.status).toBe(200);
  return sent.headers.get("etag") ?? "";
}

/** A file with a multipart upload started and one small part in it. */
async function uploadWithOnePart(size = 1024) {
  const { fileId } = await recordFile(size);
  const uploadId = await startUpload(fileId);
  const ETag = await sendPart(fileId, uploadId, 1, randomBytes(1024));
  return { fileId, uploadId, ETag };
}

async function statusOf(fileId: string) {
  return (await api("GET", `/files/${fileId}`)).body.status;
}

/** What @uppy/aws-s3 asks of a server, as a client wires its callbacks to this API. */
function uppyCallbacks() {
  interface UppyFile {
    name: string;
    type: string;
    size: number;
    meta: { fileId?: string };
  }
  const base = (file: UppyFile, uploadId: string) =>
    `/uploads/${file.meta.fileId}/multipart/${uploadId}`;
  return {
    async createMultipartUpload(file: UppyFile) {
      const created = await api("POST", "/uploads", {
        filename: file.name,
        contentType: file.type,
        size: file.size,
        purpose: "feed",
      });
      file.meta.fileId = created.body.fileId;
      const started = await api("POST", `/uploads/${created.body.fileId}/multipart`);
      return started.body as { uploadId: string; key: string };
    },
    async signPart(
      file: UppyFile,
      opts: { uploadId: string; key: string; partNumber: number; body: Blob },
    ) {
      const signed = await api(
        "GET",
        `${base(file, opts.uploadId)}/parts/${opts.partNumber}?size=${opts.body.size}`,
      );
      return signed.body as { url: string };
    },
    async listParts(file: UppyFile, opts: { uploadId: string; key: string }) {
      const listed = await api("GET", base(file, opts.uploadId));
      return listed.body.parts as { PartNumber: number; ETag: string; Size: number }[];
    },
    async completeMultipartUpload(
      file: UppyFile,
      opts: { uploadId: string; key: string; parts: { PartNumber: number; ETag: string }[] },
    ) {
      const completed = await api("POST", `${base(file, opts.uploadId)}/complete`, {
        parts: opts.parts,
      });
      return completed.body as { location: string };
    },
  };
}

describe("multipart uploads", () => {
  it("carries a three-part upload made through Uppy's callbacks to uploaded, bytes intact", async () => {
    const chunks = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1000)];
    const bytes = Buffer.concat(chunks);
    const uppy = uppyCallbacks();
    const file = { name: "holiday.mp4", type: "video/mp4", size: bytes.length, meta: {} };

    const { uploadId, key } = await uppy.createMultipartUpload(file);
    expect(key).toMatch(/^tmp\/feed\/alice\/[0-9a-f-]{36}_\d+\.mp4$/);
    const parts = [];
    for (const [i, chunk] of chunks.entries()) {
      const body = new Blob([chunk]);
      const { url } = await uppy.signPart(file, { uploadId, key, partNumber: i + 1, body });
      const sent = await fetch(url, { method: "PUT", body: chunk });
      expect(sent.status).toBe(200);
      parts.push({ PartNumber: i + 1, ETag: sent.headers.get("etag") ?? "" });
    }
    expect(await uppy.listParts(file, { uploadId, key })).toHaveLength(3);
    const { location } = await uppy.completeMultipartUpload(file, { uploadId, key, parts });
    expect(location).toContain(key);
    await cloud.settle();

    const fileId = (file.meta as { fileId: string }).fileId;
    const view = await api("GET", `/files/${fileId}`);
    expect(view.body).toMatchObject({ status: "uploaded", size: bytes.length });
    const stored = await fetch(view.body.original.url);
    expect(Buffer.from(await stored.arrayBuffer()).equals(bytes)).toBe(true);
  }, 30_000);

  it("lists the parts uploaded so far, so a client can resume", async () => {
    // Three parts: more than 10 MiB, as every part but the last is at least 5 MiB.
    const { fileId } = await recordFile(11 * MiB);
    const uploadId = await startUpload(fileId);
    const first = await sendPart(fileId, uploadId, 1, randomBytes(2048));
    const third = await sendPart(fileId, uploadId, 3, randomBytes(1024));

    const listed = await api("GET", `/uploads/${fileId}/multipart/${uploadId}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      parts: [
        { PartNumber: 1, ETag: first, Size: 2048 },
        { PartNumber: 3, ETag: third, Size: 1024 },
      ],
    });
  });

  it("answers the same upload when it is started twice", async () => {
    const { fileId, key } = await recordFile(1024);
    const first = await api("POST", `/uploads/${fileId}/multipart`);
    const second = await api("POST", `/uploads/${fileId}/multipart`);
    expect(first.body).toEqual({ uploadId: expect.any(String), key });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
  });

  it("signs a part URL that expires after the short default", async () => {
    const { fileId, uploadId } = await uploadWithOnePart(6 * MiB);
    const signed = await api("GET", `/uploads/${fileId}/multipart/${uploadId}/parts/2`);
    expect(signed.status).toBe(200);
    expect(new URL(signed.body.url).searchParams.get("X-Amz-Expires")).toBe("300");
    expect(signed.body.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
  });

  it("refuses to complete parts that do not add up to the declared size, and keeps the upload", async () => {
    const { fileId, uploadId, ETag } = await uploadWithOnePart(2048);
    const completed = await api("POST", `/uploads/${fileId}/multipart/${uploadId}/complete`, {
      parts: [{ PartNumber: 1, ETag }],
    });
    expect(completed.status).toBe(400);
    expect(completed.headers.get("content-type")).toBe("application/problem+json");
    expect(completed.body).toMatchObject({
      type: `${PROBLEMS}size-mismatch`,
      status: 400,
      detail: "declared 2048 bytes; the listed parts hold 1024",
      errors: [{ in: "body", name: "parts" }],
    });
    await cloud.settle();
    expect(await statusOf(fileId)).toBe("pending");
    const listed = await api("GET", `/uploads/${fileId}/multipart/${uploadId}`);
    expect(listed.body.parts).toHaveLength(1);
  });

  it("refuses a part whose ETag is not the one S3 returned", async () => {
    const { fileId, uploadId } = await uploadWithOnePart();
    const completed = await api("POST", `/uploads/${fileId}/multipart/${uploadId}/complete`, {
      parts: [{ PartNumber: 1, ETag: '"0123456789abcdef0123456789abcdef"' }],
    });
    expect(completed.status).toBe(400);
    expect(completed.body).toMatchObject({
      type: `${PROBLEMS}invalid-part`,
      errors: [{ in: "body", name: "parts.0.ETag", detail: "not the ETag S3 returned" }],
    });
  });

  it("refuses parts listed out of order or never uploaded", async () => {
    const { fileId, uploadId, ETag } = await uploadWithOnePart();
    const path = `/uploads/${fileId}/multipart/${uploadId}/complete`;
    const backwards = await api("POST", path, {
      parts: [
        { PartNumber: 2, ETag },
        { PartNumber: 1, ETag },
      ],
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body).toMatchObject({
      type: `${PROBLEMS}invalid-part-order`,
      errors: [{ in: "body", name: "parts.1.PartNumber" }],
    });
    const missing = await api("POST", path, { parts: [{ PartNumber: 7, ETag }] });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({
      type: `${PROBLEMS}invalid-part`,
      errors: [{ in: "body", name: "parts.0.PartNumber", detail: "no such part was uploaded" }],
    });
  });

  it("answers S3's refusal of a too-small middle part as a problem, not a failure", async () => {
    const { fileId, uploadId, ETag } = await uploadWithOnePart(5 * MiB + 1024);
    const second = await sendPart(fileId, uploadId, 2, randomBytes(5 * MiB));
    const completed = await api("POST", `/uploads/${fileId}/multipart/${uploadId}/complete`, {
      parts: [
        { PartNumber: 1, ETag },
        { PartNumber: 2, ETag: second },
      ],
    });
    expect(completed.status).toBe(400);
    expect(completed.body).toMatchObject({
      type: `${PROBLEMS}part-too-small`,
      detail: "every part but the last must be at least 5 MiB",
    });
  });

  it("names each bad field of a completion body", async () => {
    const { fileId, uploadId } = await uploadWithOnePart();
    const completed = await api("POST", `/uploads/${fileId}/multipart/${uploadId}/complete`, {
      parts: [{ PartNumber: 0 }],
      extra: true,
    });
    expect(completed.status).toBe(400);
    expect(completed.body.type).toBe(`${PROBLEMS}invalid-request`);
    expect(completed.body.errors.map((e: { name: string }) => e.name).sort()).toEqual([
      "extra",
      "parts.0.ETag",
      "parts.0.PartNumber",
    ]);
  });

  it("refuses part numbers outside 1 to 10000", async () => {
    const { fileId, uploadId } = await uploadWithOnePart();
    for (const partNumber of [0, 10001]) {
      const signed = await api(
        "GET",
        `/uploads/${fileId}/multipart/${uploadId}/parts/${partNumber}`,
      );
      expect(signed.status).toBe(400);
      expect(signed.body).toMatchObject({
        type: `${PROBLEMS}invalid-request`,
        errors: [{ in: "path", name: "partNumber" }],
      });
    }
  });

  it("refuses a part number beyond what the declared size can need", async () => {
    const small = await uploadWithOnePart(1024);
    const beyond = await api("GET", `/uploads/${small.fileId}/multipart/${small.uploadId}/parts/2`);
    expect(beyond.status).toBe(400);
    expect(beyond.body).toMatchObject({
      type: `${PROBLEMS}invalid-request`,
      detail:
        "a file of 1024 bytes needs at most 1 part (every part but the last is at least 5 MiB)",
      errors: [{ in: "path", name: "partNumber", detail: "at most 1 for this file" }],
    });

    const { fileId } = await recordFile(10 * MiB + 1);
    const uploadId = await startUpload(fileId);
    const base = `/uploads/${fileId}/multipart/${uploadId}/parts`;
    expect((await api("GET", `${base}/3`)).status).toBe(200);
    const fourth = await api("GET", `${base}/4`);
    expect(fourth.status).toBe(400);
    expect(fourth.body.errors).toEqual([
      { in: "path", name: "partNumber", detail: "at most 3 for this file" },
    ]);
  });

  it("signs a part's size, so S3 refuses a part of another length", async () => {
    const { fileId } = await recordFile(2048);
    const uploadId = await startUpload(fileId);
    const signed = await api("GET", `/uploads/${fileId}/multipart/${uploadId}/parts/1?size=1024`);
    expect(signed.status).toBe(200);
    expect(new URL(signed.body.url).searchParams.get("X-Amz-SignedHeaders")).toContain(
      "content-length",
    );

    const longer = await fetch(signed.body.url, { method: "PUT", body: randomBytes(2048) });
    expect(longer.status).toBe(403);
    expect(await longer.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
    const exact = await fetch(signed.body.url, { method: "PUT", body: randomBytes(1024) });
    expect(exact.status).toBe(200);
    const listed = await api("GET", `/uploads/${fileId}/multipart/${uploadId}`);
    expect(listed.body.parts).toEqual([{ PartNumber: 1, ETag: expect.any(String), Size: 1024 }]);
  });

  it("refuses a part size that is not 1 byte to 5 GiB, or is over the file's size", async () => {
    const { fileId, uploadId } = await uploadWithOnePart(2048);
    const base = `/uploads/${fileId}/multipart/${uploadId}/parts/1`;
    for (const size of ["0", "1.5", "many", String(5 * 1024 * MiB + 1)]) {
      const signed = await api("GET", `${base}?size=${size}`);
      expect(signed.status, size).toBe(400);
      expect(signed.body, size).toMatchObject({
        type: `${PROBLEMS}invalid-request`,
        errors: [{ in: "query", name: "size" }],
      });
    }
    const over = await api("GET", `${base}?size=2049`);
    expect(over.status).toBe(400);
    expect(over.body).toMatchObject({
      type: `${PROBLEMS}invalid-request`,
      detail: "a part of 2049 bytes is larger than the file's declared 2048",
      errors: [{ in: "query", name: "size", detail: "at most 2048 for this file" }],
    });
  });

  it("aborts an upload: its parts are gone and the file stays pending", async () => {
    const { fileId, uploadId } = await uploadWithOnePart(6 * MiB);
    const early = await api("GET", `/uploads/${fileId}/multipart/${uploadId}/parts/2`);

    const aborted = await api("DELETE", `/uploads/${fileId}/multipart/${uploadId}`);
    expect(aborted.status).toBe(204);

    const signed = await api("GET", `/uploads/${fileId}/multipart/${uploadId}/parts/2`);
    expect(signed.status).toBe(404);
    expect(signed.body.type).toBe(`${PROBLEMS}not-found`);
    const sent = await fetch(early.body.url, { method: "PUT", body: randomBytes(16) });
    expect(sent.status).toBe(404);
    expect(await sent.text()).toContain("<Code>NoSuchUpload</Code>");
    expect(await statusOf(fileId)).toBe("pending");
  });

  it("starts a fresh upload for a file whose upload was aborted", async () => {
    const { fileId, uploadId } = await uploadWithOnePart();
    await api("DELETE", `/uploads/${fileId}/multipart/${uploadId}`);
    const again = await startUpload(fileId);
    expect(again).not.toBe(uploadId);
    const listed = await api("GET", `/uploads/${fileId}/multipart/${again}`);
    expect(listed.body).toEqual({ parts: [] });
  });

  it("refuses to start one for a file already uploaded or deleted", async () => {
    const bytes = randomBytes(512);
    const created = await api("POST", "/uploads", {
      filename: "photo.jpg",
      contentType: "image/jpeg",
      size: bytes.length,
      purpose: "feed",
    });
    expect((await postToS3(created.body.upload, bytes, "image/jpeg")).status).toBe(204);
    await cloud.settle();
    expect(await statusOf(created.body.fileId)).toBe("uploaded");
    const uploaded = await api("POST", `/uploads/${created.body.fileId}/multipart`);
    expect(uploaded.status).toBe(409);
    expect(uploaded.body).toMatchObject({
      type: `${PROBLEMS}conflict`,
      detail: `file ${created.body.fileId} is uploaded`,
    });

    const { fileId } = await recordFile(1024);
    expect((await api("DELETE", `/files/${fileId}`)).status).toBe(202);
    const deleted = await api("POST", `/uploads/${fileId}/multipart`);
    expect(deleted.status).toBe(409);
    expect(deleted.body.detail).toBe(`file ${fileId} is deleted`);
  });
});

describe("multipart ownership", () => {
  it("answers 404 on every route for another user's file, leaving the upload alone", async () => {
    const { fileId, uploadId, ETag } = await uploadWithOnePart();
    const base = `/uploads/${fileId}/multipart`;
    const attempts = [
      await bob("POST", base),
      await bob("GET", `${base}/${uploadId}`),
      await bob("GET", `${base}/${uploadId}/parts/2`),
      await bob("POST", `${base}/${uploadId}/complete`, { parts: [{ PartNumber: 1, ETag }] }),
      await bob("DELETE", `${base}/${uploadId}`),
    ];
    for (const answer of attempts) {
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({
        type: `${PROBLEMS}not-found`,
        detail: `no file ${fileId}`,
      });
    }
    const listed = await api("GET", `${base}/${uploadId}`);
    expect(listed.body.parts).toHaveLength(1);
  });

  it("answers 404 for an upload id that is not the file's, without touching it", async () => {
    const mine = await uploadWithOnePart();
    const other = await uploadWithOnePart();
    for (const foreign of [other.uploadId, "not-an-upload"]) {
      const base = `/uploads/${mine.fileId}/multipart/${foreign}`;
      const attempts = [
        await api("GET", base),
        await api("GET", `${base}/parts/1`),
        await api("POST", `${base}/complete`, { parts: [{ PartNumber: 1, ETag: other.ETag }] }),
        await api("DELETE", base),
      ];
      for (const answer of attempts) {
        expect(answer.status).toBe(404);
        expect(answer.body).toMatchObject({
          type: `${PROBLEMS}not-found`,
          detail: `file ${mine.fileId} has no multipart upload ${foreign}`,
        });
      }
    }
    const listed = await api("GET", `/uploads/${other.fileId}/multipart/${other.uploadId}`);
    expect(listed.body.parts).toHaveLength(1);
  });
});

describe("the multipart transitions of a file's row", () => {
  const createdAt = "2030-01-01T00:00:00.000Z";
  const pending: FileRecord = {
    fileId: "7b0c1f3e-5d59-4a43-9a55-0d7f6f1f3a10",
    ownerId: "alice",
    ownerScope: "alice#feed#alice",
    actor: { type: "user", id: "alice" },
    purpose: "feed",
    entityId: "alice",
    filename: "clip.mp4",
    contentType: "video/mp4",
    size: 1024,
    method: "POST",
    status: "pending",
    key: "tmp/feed/alice/7b0c1f3e-5d59-4a43-9a55-0d7f6f1f3a10_1893456000000.mp4",
    correlationId: "request-1",
    createdAt,
    updatedAt: createdAt,
    uploadExpiresAt: "2030-01-01T00:05:00.000Z",
    progress: { done: 0, total: 0 },
    variants: [],
    rev: 1,
    outbox: [],
    sweepShard: "pending",
    sweepAt: "2030-01-01T00:05:00.000Z",
  };
  const DAY = 24 * 3600;

  it("records the upload and gives the file a day to arrive, publishing nothing", () => {
    const change = multipartStarted(pending, "up-1", "2030-01-01T00:01:00.000Z", DAY);
    expect(change?.events).toEqual([]);
    expect(change?.file).toMatchObject({
      status: "pending",
      method: "multipart",
      multipartUploadId: "up-1",
      uploadExpiresAt: "2030-01-02T00:01:00.000Z",
      sweepAt: "2030-01-02T00:01:00.000Z",
      sweepShard: "pending",
    });
  });

  it("keeps the first window when an aborted upload is started again", () => {
    const started = multipartStarted(pending, "up-1", "2030-01-01T00:01:00.000Z", DAY)?.file;
    const aborted = started && multipartAborted(started, "up-1", "2030-01-01T03:00:00.000Z")?.file;
    expect(aborted).toBeDefined();
    expect(aborted?.multipartUploadId).toBeUndefined();
    const restarted = aborted && multipartStarted(aborted, "up-2", "2030-01-01T04:00:00.000Z", DAY);
    expect(restarted?.file).toMatchObject({
      multipartUploadId: "up-2",
      uploadExpiresAt: "2030-01-02T00:01:00.000Z",
    });
  });

  it("changes nothing for a file already started, no longer pending, or past its window", () => {
    const at = "2030-01-01T00:01:00.000Z";
    expect(
      multipartStarted({ ...pending, multipartUploadId: "up-1" }, "up-2", at, DAY),
    ).toBeUndefined();
    expect(multipartStarted({ ...pending, status: "uploaded" }, "up-2", at, DAY)).toBeUndefined();
    expect(multipartStarted(pending, "up-2", "2030-01-01T00:05:00.000Z", DAY)).toBeUndefined();
    expect(multipartAborted({ ...pending, multipartUploadId: "up-1" }, "up-2", at)).toBeUndefined();
  });
});
