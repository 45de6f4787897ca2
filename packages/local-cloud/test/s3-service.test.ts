import { createHash, createHmac } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { parse, S3ObjectCreated, S3ObjectDeleted } from "@platform/events";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { S3BusEvent } from "../src/s3/ports.ts";
import { createS3Service } from "../src/s3/service.ts";
import { S3Store } from "../src/s3/store.ts";

const ACCOUNT = "111111111111";
const MiB = 1024 * 1024;
const md5 = (data: string | Buffer) => createHash("md5").update(data).digest("hex");

let root: string;
let server: Server;
let s3: S3Client;
const events: S3BusEvent[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "s3-service-"));
  const store = await S3Store.open(root);
  const service = createS3Service({
    store,
    secrets: (key) => (key === "test-key" ? "test-secret" : undefined),
    emit: (event) => events.push(event),
    region: "us-east-1",
    accountId: ACCOUNT,
  });
  server = createServer((req, res) => void service.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  s3 = client("test-secret");
});

afterAll(async () => {
  s3.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

function client(secretAccessKey: string): S3Client {
  return new S3Client({
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: "test-key", secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** The error a promise fails with, as the SDK surfaces it. */
async function failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof S3ServiceException))
    throw new Error(`expected an S3 error, got ${String(error)}`);
  return error;
}

let bucket: string;
let counter = 0;
beforeEach(async () => {
  bucket = `bucket-${++counter}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  events.length = 0;
});

const put = (Key: string, Body: string | Buffer = Key) =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
describe("buckets", () => {
  it("creates, heads, lists and deletes a bucket", async () => {
    expect((await s3.send(new HeadBucketCommand({ Bucket: bucket }))).BucketRegion).toBe(
      "us-east-1",
    );
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toContain(bucket);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    const gone = await failure(s3.send(new HeadBucketCommand({ Bucket: bucket })));
    expect(gone.name).toBe("NotFound");
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  it("refuses to delete a bucket that still holds objects", async () => {
    await put("a");
    const error = await failure(s3.send(new DeleteBucketCommand({ Bucket: bucket })));
    expect(error.name).toBe("BucketNotEmpty");
    expect(error.$metadata.httpStatusCode).toBe(409);
  });

  it("answers NoSuchBucket for objects of a bucket that does not exist", async () => {
    const error = await failure(s3.send(new ListObjectsV2Command({ Bucket: "no-such-bucket" })));
    expect(error.name).toBe("NoSuchBucket");
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
  });
});

describe("objects", () => {
  it("stores and returns bytes, type and metadata", async () => {
    const written = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "docs/ünï code.txt",
        Body: "hello world",
        ContentType: "text/plain",
        CacheControl: "max-age=60",
        ContentDisposition: "inline",
        Metadata: { owner: "ada" },
      }),
    );
    expect(written.ETag).toBe(`"${md5("hello world")}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "docs/ünï code.txt" }));
    expect(await got.Body?.transformToString()).toBe("hello world");
    expect(got).toMatchObject({
      ContentType: "text/plain",
      ContentLength: 11,
      CacheControl: "max-age=60",
      ContentDisposition: "inline",
      Metadata: { owner: "ada" },
      ETag: written.ETag,
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "docs/ünï code.txt" }));
    expect(head.LastModified).toBeInstanceOf(Date);
    expect(head.ContentLength).toBe(11);
  });

  it("streams a body of known length", async () => {
    const body = Readable.from([Buffer.alloc(MiB, 7), Buffer.alloc(10, 8)]);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "stream", Body: body, ContentLength: MiB + 10 }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "stream" }));
    expect(head.ContentLength).toBe(MiB + 10);
  });

  it("answers a Range with 206 and Content-Range, and an unsatisfiable one with InvalidRange", async () => {
    await put("digits", "0123456789");
    const part = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: "digits", Range: "bytes=2-5" }),
    );
    expect(part.$metadata.httpStatusCode).toBe(206);
    expect(part.ContentRange).toBe("bytes 2-5/10");
    expect(await part.Body?.transformToString()).toBe("2345");
    const suffix = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: "digits", Range: "bytes=-3" }),
    );
    expect(await suffix.Body?.transformToString()).toBe("789");
    const error = await failure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: "digits", Range: "bytes=10-" })),
    );
    expect(error.name).toBe("InvalidRange");
    expect(error.$metadata.httpStatusCode).toBe(416);
  });

  it("answers NoSuchKey with the key, and NotFound to HEAD", async () => {
    const error = await failure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: "missing/key" })),
    );
    expect(error.name).toBe("NoSuchKey");
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect((error as S3ServiceException & { Key?: string }).Key).toBe("missing/key");
    const head = await failure(
      s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "missing/key" })),
    );
    expect(head.name).toBe("NotFound");
    expect(head.$metadata.httpStatusCode).toBe(404);
  });

  it("copies with the source's metadata or with replaced metadata", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "src",
        Body: "data",
        ContentType: "image/png",
        Metadata: { a: "1" },
      }),
    );
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "dst 1", CopySource: `${bucket}/src` }),
    );
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5("data")}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "dst 1" }));
    expect(head).toMatchObject({ ContentType: "image/png", Metadata: { a: "1" } });
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "src",
        CopySource: `${bucket}/src`,
        MetadataDirective: "REPLACE",
        ContentType: "text/plain",
        Metadata: { b: "2" },
      }),
    );
    expect(await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "src" }))).toMatchObject({
      ContentType: "text/plain",
      Metadata: { b: "2" },
    });
    const missing = await failure(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "x", CopySource: `${bucket}/nope` })),
    );
    expect(missing.name).toBe("NoSuchKey");
  });

  it("deletes one object, and several at once reporting missing keys as deleted", async () => {
    await Promise.all(["a", "b", "c"].map((k) => put(k)));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a" }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a" }));
    const result = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: "b" }, { Key: "c" }, { Key: "never" }] },
      }),
    );
    expect(result.Deleted?.map((d) => d.Key).sort()).toEqual(["b", "c", "never"]);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
    const deleted = events.filter((e) => e["detail-type"] === "Object Deleted");
    expect(deleted.map((e) => (e.detail.object as { key: string }).key)).toEqual(["a", "b", "c"]);
  });

  it("refuses a body that does not match its signed SHA-256, storing nothing", async () => {
    const hello = createHash("sha256").update("hello").digest("hex");
    const response = await signedFetch(
      "PUT",
      `/${bucket}/tampered`,
      { "x-amz-content-sha256": hello },
      "HELLO",
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("<Code>XAmzContentSHA256Mismatch</Code>");
    const head = await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "tampered" })));
    expect(head.name).toBe("NotFound");
    expect(events).toEqual([]);
  });

  it("answers MethodNotAllowed to a method S3 does not have", async () => {
    const response = await signedFetch("PATCH", `/${bucket}/k`, {
      "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
    });
    expect(response.status).toBe(405);
    const xml = await response.text();
    expect(xml).toContain("<Code>MethodNotAllowed</Code>");
    expect(xml).toContain("<Method>PATCH</Method><ResourceType>OBJECT</ResourceType>");
    expect(response.headers.get("x-amz-request-id")).toMatch(/^[0-9A-F]{16}$/);
  });

  it("refuses a request signed with the wrong secret", async () => {
    const impostor = client("wrong-secret");
    const error = await failure(
      impostor.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x" })),
    );
    impostor.destroy();
    expect(error.name).toBe("SignatureDoesNotMatch");
    expect(error.$metadata.httpStatusCode).toBe(403);
  });

  it("answers NotImplemented, naming the operation, for what it does not support", async () => {
    const error = await failure(s3.send(new GetBucketVersioningCommand({ Bucket: bucket })));
    expect(error.name).toBe("NotImplemented");
    expect(error.$metadata.httpStatusCode).toBe(501);
    expect(error.message).toContain("GetBucketVersioning");
  });
});

describe("ListObjectsV2", () => {
  beforeEach(async () => {
    for (const key of ["a/1", "a/2", "a/b/3", "b", "c d/e", "z"]) await put(key);
  });

  it("lists under a prefix with CommonPrefixes at the delimiter", async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
    expect(top.Contents?.map((o) => o.Key)).toEqual(["b", "z"]);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/", "c d/"]);
    expect(top.KeyCount).toBe(4);
    const inA = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: "a/", Delimiter: "/" }),
    );
    expect(inA.Contents?.map((o) => [o.Key, o.Size, o.ETag])).toEqual([
      ["a/1", 3, `"${md5("a/1")}"`],
      ["a/2", 3, `"${md5("a/2")}"`],
    ]);
    expect(inA.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/b/"]);
  });

  it("pages with continuation tokens and starts after StartAfter", async () => {
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 4, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ""));
      expect(page.IsTruncated).toBe(page.NextContinuationToken !== undefined);
      token = page.NextContinuationToken;
      pages++;
    } while (token);
    expect(pages).toBe(2);
    expect(keys).toEqual(["a/1", "a/2", "a/b/3", "b", "c d/e", "z"]);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: "b" }));
    expect(after.Contents?.map((o) => o.Key)).toEqual(["c d/e", "z"]);
  });

  it("pages the original ListObjects with markers, naming NextMarker with a delimiter", async () => {
    const first = await s3.send(
      new ListObjectsCommand({ Bucket: bucket, Delimiter: "/", MaxKeys: 2 }),
    );
    expect([
      ...(first.CommonPrefixes ?? []).map((p) => p.Prefix),
      ...(first.Contents ?? []).map((o) => o.Key),
    ]).toEqual(["a/", "b"]);
    expect(first).toMatchObject({ IsTruncated: true, NextMarker: "b" });
    const rest = await s3.send(
      new ListObjectsCommand({ Bucket: bucket, Delimiter: "/", Marker: first.NextMarker }),
    );
    expect(rest.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["c d/"]);
    expect(rest.Contents?.map((o) => o.Key)).toEqual(["z"]);
    expect(rest.IsTruncated).toBe(false);
  });

  it("URL-encodes keys and prefixes when asked", async () => {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: "c", EncodingType: "url" }),
    );
    expect(page.Contents?.map((o) => o.Key)).toEqual(["c+d/e"]);
    expect(page.EncodingType).toBe("url");
  });
});

describe("multipart uploads", () => {
  const start = async (Key: string) =>
    (
      await s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key, ContentType: "video/mp4" }),
      )
    ).UploadId ?? "";
  const upload = async (Key: string, UploadId: string, PartNumber: number, Body: Buffer) => ({
    PartNumber,
    ETag: (
      await s3.send(new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber, Body }))
    ).ETag,
  });

  it("joins two 5 MiB parts and a small last one into one object", async () => {
    const UploadId = await start("movie.mp4");
    const bodies = [Buffer.alloc(5 * MiB, 1), Buffer.alloc(5 * MiB, 2), Buffer.from("tail")];
    const parts = [];
    for (const [i, body] of bodies.entries())
      parts.push(await upload("movie.mp4", UploadId, i + 1, body));
    const listed = await s3.send(
      new ListPartsCommand({ Bucket: bucket, Key: "movie.mp4", UploadId, MaxParts: 2 }),
    );
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, 5 * MiB],
      [2, 5 * MiB],
    ]);
    expect(listed).toMatchObject({ IsTruncated: true, NextPartNumberMarker: "2" });

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "movie.mp4",
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const partMd5s = Buffer.concat(bodies.map((b) => Buffer.from(md5(b), "hex")));
    expect(done.ETag).toBe(`"${md5(partMd5s)}-3"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "movie.mp4" }));
    expect(head).toMatchObject({
      ContentLength: 10 * MiB + 4,
      ContentType: "video/mp4",
      ETag: done.ETag,
    });
    const tail = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: "movie.mp4", Range: "bytes=-5" }),
    );
    expect(await tail.Body?.transformToByteArray()).toEqual(
      new Uint8Array([2, ...Buffer.from("tail")]),
    );
  });

  it("refuses a part under 5 MiB before the last one, then aborts", async () => {
    const UploadId = await start("small");
    const parts = [
      await upload("small", UploadId, 1, Buffer.alloc(MiB)),
      await upload("small", UploadId, 2, Buffer.from("x")),
    ];
    const error = await failure(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: "small",
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      ),
    );
    expect(error.name).toBe("EntityTooSmall");
    expect(error.message).toBe("Your proposed upload is smaller than the minimum allowed size");
    expect(error.$metadata.httpStatusCode).toBe(400);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "small", UploadId }));
    const gone = await failure(
      s3.send(new ListPartsCommand({ Bucket: bucket, Key: "small", UploadId })),
    );
    expect(gone.name).toBe("NoSuchUpload");
    expect(events).toEqual([]);
  });
});

describe("events", () => {
  const snapshot = JSON.parse(
    readFileSync(
      findShared("conformance/aws-event-samples/s3-to-eventbridge.snapshot.json"),
      "utf8",
    ),
  );
  const recorded =
    snapshot[
      "tests/aws/services/s3/test_s3_notifications_eventbridge.py::TestS3NotificationsToEventBridge::test_object_created_put"
    ]["recorded-content"];

  /** Field names and value types, recursively: what must match AWS's recorded event. */
  const shape = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(shape)
      : value && typeof value === "object"
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]))
        : typeof value;

  it("emits Object Created for PUT, copy and multipart completion, shaped as AWS records it", async () => {
    await put("photo.jpg", "data");
    await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "copy.jpg", CopySource: `${bucket}/photo.jpg` }),
    );
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp" }),
    );
    const { ETag } = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: "mp", UploadId, PartNumber: 1, Body: "one" }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "mp",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
      }),
    );

    expect(events.map((e) => [e["detail-type"], e.detail.reason])).toEqual([
      ["Object Created", "PutObject"],
      ["Object Created", "CopyObject"],
      ["Object Created", "CompleteMultipartUpload"],
    ]);
    for (const event of events) {
      expect(shape(event)).toEqual(shape(recorded.object_created));
      expect(parse(S3ObjectCreated, structuredClone(event))).toBeDefined();
    }
    const [created] = events;
    expect(created).toMatchObject({
      version: "0",
      source: "aws.s3",
      account: ACCOUNT,
      region: "us-east-1",
      resources: [`arn:aws:s3:::${bucket}`],
      detail: {
        version: "0",
        bucket: { name: bucket },
        object: { key: "photo.jpg", size: 4, etag: md5("data") },
        requester: ACCOUNT,
        "source-ip-address": "127.0.0.1",
      },
    });
    expect(created?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created?.id).toMatch(/^[0-9a-f-]{36}$/);
    const multipart = events[2]?.detail.object as { etag: string } | undefined;
    expect(multipart?.etag).toMatch(/^[0-9a-f]{32}-1$/);
  });

  it("emits Object Deleted with growing sequencers, and nothing for a missing key", async () => {
    await put("k");
    await put("k", "again");
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(events.map((e) => e["detail-type"])).toEqual([
      "Object Created",
      "Object Created",
      "Object Deleted",
    ]);
    const deleted = events[2];
    expect(shape(deleted)).toEqual(shape(recorded.object_deleted));
    expect(parse(S3ObjectDeleted, structuredClone(deleted))).toBeDefined();
    expect(deleted?.detail).toMatchObject({
      reason: "DeleteObject",
      "deletion-type": "Permanently Deleted",
    });
    const sequencers = events.map((e) =>
      BigInt(`0x${(e.detail.object as { sequencer: string }).sequencer}`),
    );
    expect([...sequencers].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequencers);
    expect(new Set(sequencers).size).toBe(3);
  });
});

/** A request signed by the SDK's own SigV4 signer, sent with fetch (to send what the SDK would not). */
async function signedFetch(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
) {
  const url = new URL(path, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const signer = new SignatureV4({
    service: "s3",
    region: "us-east-1",
    credentials: { accessKeyId: "test-key", secretAccessKey: "test-secret" },
    sha256: NodeSha256,
    uriEscapePath: false,
  });
  const signed = await signer.sign({
    method,
    protocol: "http:",
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    headers: { host: url.host, ...headers },
    query: {},
  });
  return fetch(url, { method, headers: signed.headers, body });
}

/** SHA-256 for @smithy/signature-v4, on node:crypto. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === "string") return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function findShared(path: string): URL {
  for (let dir = new URL("./", import.meta.url); dir.pathname !== "/"; dir = new URL("../", dir)) {
    const candidate = new URL(`shared/${path}`, dir);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`shared/${path} not found above ${import.meta.url}`);
}
