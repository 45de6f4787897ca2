import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { S3Error } from "../src/s3/errors.ts";
import { compareKeys, listKeys, SortedKeys } from "../src/s3/listing.ts";
import { MIN_PART_SIZE, MultipartUploads } from "../src/s3/multipart.ts";
import type { ObjectAttributes } from "../src/s3/object-model.ts";
import { S3Store } from "../src/s3/store.ts";

const plain: ObjectAttributes = { contentType: "text/plain", metadata: {} };
const md5 = (data: string | Buffer) => createHash("md5").update(data).digest("hex");

/** Resolves to the S3 error code a promise (or call) fails with. */
async function codeOf(work: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof work === "function" ? work() : work);
  } catch (error) {
    if (error instanceof S3Error) return error.code;
    throw error;
  }
  throw new Error("expected an S3 error");
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

let root: string;
let store: S3Store;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "s3-store-"));
  store = await S3Store.open(root);
  await store.createBucket("photos");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("buckets", () => {
  it("creates, lists in name order and deletes buckets", async () => {
    await store.createBucket("archive");
    expect(store.listBuckets().map((b) => b.name)).toEqual(["archive", "photos"]);
    await store.deleteBucket("archive");
    expect(store.listBuckets().map((b) => b.name)).toEqual(["photos"]);
    expect(await codeOf(() => store.getBucket("archive"))).toBe("NoSuchBucket");
  });

  it("refuses invalid names, a second creation and deleting a bucket that holds objects", async () => {
    expect(await codeOf(store.createBucket("Bad_Name"))).toBe("InvalidBucketName");
    expect(await codeOf(store.createBucket("../escape"))).toBe("InvalidBucketName");
    expect(await codeOf(store.createBucket("photos"))).toBe("BucketAlreadyOwnedByYou");
    await store.putObject("photos", "a.txt", Readable.from(["x"]), plain);
    expect(await codeOf(store.deleteBucket("photos"))).toBe("BucketNotEmpty");
  });
});

describe("objects", () => {
  it("stores bytes and metadata, with the quoted MD5 as ETag", async () => {
    const attributes: ObjectAttributes = {
      contentType: "image/png",
      cacheControl: "max-age=60",
      contentDisposition: 'attachment; filename="a.png"',
      contentEncoding: "identity",
      metadata: { owner: "ada" },
      checksum: { algorithm: "CRC32", value: "NSRBwg==" },
    };
    const put = await store.putObject(
      "photos",
      "a.png",
      Readable.from(["hello ", "world"]),
      attributes,
    );
    expect(put).toMatchObject({
      key: "a.png",
      size: 11,
      etag: `"${md5("hello world")}"`,
      ...attributes,
    });
    expect(put.lastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    const read = await store.readObject("photos", "a.png");
    expect(await text(read.body)).toBe("hello world");
    expect(store.headObject("photos", "a.png")).toEqual(put);
  });

  it("reads an inclusive byte range", async () => {
    await store.putObject("photos", "digits", Readable.from(["0123456789"]), plain);
    const { body } = await store.readObject("photos", "digits", { start: 2, end: 5 });
    expect(await text(body)).toBe("2345");
  });

  it("leaves nothing visible when the body fails midway, and keeps the previous version", async () => {
    await store.putObject("photos", "doc", Readable.from(["version 1"]), plain);
    async function* failing() {
      yield Buffer.from("version 2, first half");
      throw new Error("connection reset");
    }
    await expect(store.putObject("photos", "doc", failing(), plain)).rejects.toThrow(
      "connection reset",
    );
    await expect(store.putObject("photos", "new", failing(), plain)).rejects.toThrow(
      "connection reset",
    );
    expect(await text((await store.readObject("photos", "doc")).body)).toBe("version 1");
    expect(await codeOf(() => store.headObject("photos", "new"))).toBe("NoSuchKey");
    expect(await readdir(store.tmpDir)).toEqual([]);
  });

  it("discards the bytes when verification refuses them before the commit", async () => {
    const refusal = new S3Error("XAmzContentSHA256Mismatch", "no", 400);
    const verify = () => {
      throw refusal;
    };
    await expect(
      store.putObject("photos", "k", Readable.from(["abc"]), plain, { verify }),
    ).rejects.toBe(refusal);
    expect(await codeOf(() => store.headObject("photos", "k"))).toBe("NoSuchKey");
    expect(await readdir(store.tmpDir)).toEqual([]);
  });

  it("refuses a body over maxSize with EntityTooLarge", async () => {
    const body = Readable.from([Buffer.alloc(10), Buffer.alloc(10)]);
    expect(await codeOf(store.putObject("photos", "big", body, plain, { maxSize: 15 }))).toBe(
      "EntityTooLarge",
    );
    expect(await readdir(store.tmpDir)).toEqual([]);
  });

  it("keeps keys with any characters inside the root, up to 1024 bytes", async () => {
    const keys = [
      "../../../etc/passwd",
      "/leading",
      "a b/ü/😀",
      "..",
      "x".repeat(1024),
      "tab\there\r\n",
    ];
    for (const key of keys) await store.putObject("photos", key, Readable.from([key]), plain);
    for (const key of keys)
      expect(await text((await store.readObject("photos", key)).body)).toBe(key);
    expect(
      await codeOf(store.putObject("photos", "é".repeat(513), Readable.from(["x"]), plain)),
    ).toBe("KeyTooLongError");
    const files = await filesUnder(root);
    expect(files.every((f) => f.startsWith(join(root, "buckets", "photos")))).toBe(true);
    expect(files.some((f) => f.includes("passwd"))).toBe(false);
  });

  it("deletes idempotently, giving the deleted object once", async () => {
    await store.putObject("photos", "gone", Readable.from(["x"]), plain);
    const first = await store.deleteObject("photos", "gone");
    expect(first?.object.key).toBe("gone");
    expect(await store.deleteObject("photos", "gone")).toBeUndefined();
    expect(await codeOf(store.readObject("photos", "gone"))).toBe("NoSuchKey");
  });

  it("gives each change of a key a larger hex sequencer", async () => {
    const a = await store.putObject("photos", "k", Readable.from(["1"]), plain);
    const b = await store.putObject("photos", "k", Readable.from(["2"]), plain);
    const c = await store.deleteObject("photos", "k");
    const values = [a.sequencer, b.sequencer, c?.sequencer ?? ""].map((s) => BigInt(`0x${s}`));
    expect(values[0]).toBeLessThan(values[1] as bigint);
    expect(values[1]).toBeLessThan(values[2] as bigint);
  });

  it("copies with the source's metadata, or with replaced metadata", async () => {
    const source = await store.putObject("photos", "src", Readable.from(["data"]), {
      contentType: "image/jpeg",
      metadata: { a: "1" },
    });
    const copied = await store.copyObject(
      { bucket: "photos", key: "src" },
      { bucket: "photos", key: "dst" },
    );
    expect(copied).toMatchObject({
      etag: source.etag,
      contentType: "image/jpeg",
      metadata: { a: "1" },
      size: 4,
    });
    const replaced = await store.copyObject(
      { bucket: "photos", key: "src" },
      { bucket: "photos", key: "src" },
      plain,
    );
    expect(replaced).toMatchObject({ contentType: "text/plain", metadata: {} });
    expect(await text((await store.readObject("photos", "src")).body)).toBe("data");
  });

  it("keeps exactly one of many concurrent writes to a key, whole", async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => `writer ${i} `.repeat(1000));
    const results = await Promise.all(
      bodies.map((b) => store.putObject("photos", "hot", Readable.from([b]), plain)),
    );
    const final = store.headObject("photos", "hot");
    expect(results.map((r) => r.etag)).toContain(final.etag);
    expect(bodies.map((b) => `"${md5(b)}"`)).toContain(final.etag);
    expect(md5(await text((await store.readObject("photos", "hot")).body))).toBe(
      final.etag.slice(1, -1),
    );
    expect(
      store.listObjects("photos", { prefix: "", delimiter: "", maxKeys: 10 }).objects,
    ).toHaveLength(1);
    expect((await filesUnder(root)).filter((f) => f.endsWith(".data"))).toHaveLength(1);
  });

  it("honours If-None-Match: * and If-Match on writes", async () => {
    await store.putObject("photos", "once", Readable.from(["1"]), plain, {
      precondition: { ifNoneMatch: "*" },
    });
    const again = store.putObject("photos", "once", Readable.from(["2"]), plain, {
      precondition: { ifNoneMatch: "*" },
    });
    expect(await codeOf(again)).toBe("PreconditionFailed");
    const wrong = store.putObject("photos", "once", Readable.from(["3"]), plain, {
      precondition: { ifMatch: '"0"' },
    });
    expect(await codeOf(wrong)).toBe("PreconditionFailed");
    expect(await text((await store.readObject("photos", "once")).body)).toBe("1");
  });
});

describe("listing", () => {
  const put = (keys: string[]) =>
    Promise.all(keys.map((key) => store.putObject("photos", key, Readable.from([key]), plain)));

  it("groups keys under common prefixes at the delimiter", async () => {
    await put(["a/1", "a/2", "a/b/3", "b", "c/x", "top.txt"]);
    const root = store.listObjects("photos", { prefix: "", delimiter: "/", maxKeys: 1000 });
    expect(root.objects.map((o) => o.key)).toEqual(["b", "top.txt"]);
    expect(root.commonPrefixes).toEqual(["a/", "c/"]);
    const inA = store.listObjects("photos", { prefix: "a/", delimiter: "/", maxKeys: 1000 });
    expect(inA.objects.map((o) => o.key)).toEqual(["a/1", "a/2"]);
    expect(inA.commonPrefixes).toEqual(["a/b/"]);
  });

  it("pages through keys and prefixes together, resuming after the last entry", async () => {
    await put(["a/1", "a/2", "b", "c/1", "d", "e"]);
    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page = store.listObjects("photos", { prefix: "", delimiter: "/", maxKeys: 2, after });
      pages.push([...page.objects.map((o) => o.key), ...page.commonPrefixes].sort(compareKeys));
      if (!page.isTruncated) break;
      after = page.last;
    }
    expect(pages).toEqual([["a/", "b"], ["c/", "d"], ["e"]]);
  });

  it("starts after start-after and honours the prefix", async () => {
    await put(["log/1", "log/2", "log/3", "logs", "other"]);
    const page = store.listObjects("photos", {
      prefix: "log/",
      delimiter: "",
      maxKeys: 1000,
      after: "log/1",
    });
    expect(page.objects.map((o) => o.key)).toEqual(["log/2", "log/3"]);
  });

  it("orders keys by UTF-8 bytes, not by UTF-16 code units", async () => {
    const keys = ["😀", "\uffff", "z", "é", "A", "a b", "a+b"];
    await put(keys);
    const listed = store.listObjects("photos", { prefix: "", delimiter: "", maxKeys: 1000 });
    const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(listed.objects.map((o) => o.key)).toEqual(byBytes);
    expect(byBytes.indexOf("\uffff")).toBeLessThan(byBytes.indexOf("😀"));
  });

  it("lists pages, common prefixes and a start-after window out of 100,000 keys", () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `dir${i % 100}/file${i}`);
    const index = new SortedKeys();
    index.load(keys);
    const page = listKeys(index, { prefix: "dir5", delimiter: "/", maxKeys: 1000 });
    const whole = listKeys(index, { prefix: "dir42/", delimiter: "/", maxKeys: 1000 });
    const rest = listKeys(index, {
      prefix: "dir42/",
      delimiter: "",
      maxKeys: 1000,
      after: "dir42/file5",
    });
    expect(page.commonPrefixes).toEqual([
      "dir5/",
      ...Array.from({ length: 10 }, (_, i) => `dir5${i}/`),
    ]);
    expect(whole).toMatchObject({ isTruncated: false, commonPrefixes: [] });
    expect(whole.keys.length).toBe(1000);
    const expected = keys.filter((k) => k.startsWith("dir42/") && k > "dir42/file5").sort();
    expect(rest.keys).toEqual(expected);
  });
});

describe("multipart uploads", () => {
  const part = (size: number, fill: number) => Readable.from([Buffer.alloc(size, fill)]);

  it("joins three parts into one object with S3's multipart ETag", async () => {
    const uploads = new MultipartUploads(store);
    const upload = await uploads.create("photos", "big.bin", {
      contentType: "video/mp4",
      metadata: { a: "b" },
    });
    const target = { bucket: "photos", key: "big.bin", uploadId: upload.uploadId };
    const p1 = await uploads.uploadPart(target, 1, part(MIN_PART_SIZE, 1));
    const p2 = await uploads.uploadPart(target, 2, part(MIN_PART_SIZE, 2));
    const p3 = await uploads.uploadPart(target, 3, part(10, 3));
    const object = await uploads.complete(target, [p1, p2, p3]);

    const partMd5s = Buffer.concat(
      [p1, p2, p3].map((p) => Buffer.from(p.etag.slice(1, -1), "hex")),
    );
    expect(object.etag).toBe(`"${md5(partMd5s)}-3"`);
    expect(object).toMatchObject({
      size: 2 * MIN_PART_SIZE + 10,
      contentType: "video/mp4",
      partsCount: 3,
    });
    const { body } = await store.readObject("photos", "big.bin", {
      start: MIN_PART_SIZE - 1,
      end: MIN_PART_SIZE,
    });
    expect([...(await body.toArray())[0]]).toEqual([1, 2]);
    expect(await codeOf(uploads.listParts(target, { maxParts: 10, partNumberMarker: 0 }))).toBe(
      "NoSuchUpload",
    );
  });

  it("refuses a part under 5 MiB that is not the last one", async () => {
    const uploads = new MultipartUploads(store);
    const { uploadId } = await uploads.create("photos", "k", plain);
    const target = { bucket: "photos", key: "k", uploadId };
    const p1 = await uploads.uploadPart(target, 1, part(MIN_PART_SIZE - 1, 0));
    const p2 = await uploads.uploadPart(target, 2, part(1, 0));
    const refusal = uploads.complete(target, [p1, p2]);
    await expect(refusal).rejects.toThrow(
      "Your proposed upload is smaller than the minimum allowed size",
    );
    expect(await codeOf(() => store.headObject("photos", "k"))).toBe("NoSuchKey");
  });

  it("refuses wrong ETags, missing parts and parts out of order", async () => {
    const uploads = new MultipartUploads(store);
    const { uploadId } = await uploads.create("photos", "k", plain);
    const target = { bucket: "photos", key: "k", uploadId };
    const p1 = await uploads.uploadPart(target, 1, part(MIN_PART_SIZE, 0));
    const p2 = await uploads.uploadPart(target, 2, part(5, 0));
    expect(await codeOf(uploads.complete(target, [p1, { partNumber: 2, etag: '"00"' }]))).toBe(
      "InvalidPart",
    );
    expect(await codeOf(uploads.complete(target, [p1, { partNumber: 3, etag: p2.etag }]))).toBe(
      "InvalidPart",
    );
    expect(await codeOf(uploads.complete(target, [p2, p1]))).toBe("InvalidPartOrder");
    await expect(uploads.complete(target, [p1, { partNumber: 2, etag: "x" }])).rejects.toThrow(
      "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    );
  });

  it("lists parts a page at a time, with a replaced part's latest ETag", async () => {
    const uploads = new MultipartUploads(store);
    const { uploadId } = await uploads.create("photos", "k", plain);
    const target = { bucket: "photos", key: "k", uploadId };
    for (const n of [3, 1, 2]) await uploads.uploadPart(target, n, part(n, n));
    const replaced = await uploads.uploadPart(target, 2, part(7, 9));
    const first = await uploads.listParts(target, { maxParts: 2, partNumberMarker: 0 });
    expect(first.parts.map((p) => p.partNumber)).toEqual([1, 2]);
    expect(first).toMatchObject({ isTruncated: true, nextPartNumberMarker: 2 });
    expect(first.parts[1]).toMatchObject({ etag: replaced.etag, size: 7 });
    const second = await uploads.listParts(target, { maxParts: 2, partNumberMarker: 2 });
    expect(second.parts.map((p) => p.partNumber)).toEqual([3]);
    expect(second.isTruncated).toBe(false);
  });

  it("aborts uploads and refuses unknown ones, part numbers outside 1..10000 and foreign keys", async () => {
    const uploads = new MultipartUploads(store);
    const { uploadId } = await uploads.create("photos", "k", plain);
    const target = { bucket: "photos", key: "k", uploadId };
    expect(await codeOf(uploads.uploadPart(target, 10001, part(1, 0)))).toBe("InvalidArgument");
    expect(await codeOf(uploads.uploadPart({ ...target, key: "other" }, 1, part(1, 0)))).toBe(
      "NoSuchUpload",
    );
    await uploads.abort(target);
    expect(await codeOf(uploads.uploadPart(target, 1, part(1, 0)))).toBe("NoSuchUpload");
    expect(await codeOf(uploads.abort({ ...target, uploadId: "../../etc" }))).toBe("NoSuchUpload");
  });
});

describe("persistence", () => {
  it("finds buckets, objects, CORS rules and uploads again after a restart", async () => {
    await store.putObject("photos", "kept/ü.txt", Readable.from(["bytes"]), {
      contentType: "a/b",
      metadata: { x: "y" },
    });
    await store.setBucketCors("photos", [{ allowedOrigins: ["*"], allowedMethods: ["GET"] }]);
    const uploads = new MultipartUploads(store);
    const { uploadId } = await uploads.create("photos", "later", plain);
    await uploads.uploadPart(
      { bucket: "photos", key: "later", uploadId },
      1,
      Readable.from(["p1"]),
    );
    const before = store.headObject("photos", "kept/ü.txt");

    const reopened = await S3Store.open(root);
    expect(reopened.headObject("photos", "kept/ü.txt")).toEqual(before);
    expect(await text((await reopened.readObject("photos", "kept/ü.txt")).body)).toBe("bytes");
    expect(reopened.getBucket("photos").cors).toEqual([
      { allowedOrigins: ["*"], allowedMethods: ["GET"] },
    ]);
    const parts = await new MultipartUploads(reopened).listParts(
      { bucket: "photos", key: "later", uploadId },
      { maxParts: 1000, partNumberMarker: 0 },
    );
    expect(parts.parts.map((p) => p.etag)).toEqual([`"${md5("p1")}"`]);
    const next = await reopened.putObject("photos", "kept/ü.txt", Readable.from(["v2"]), plain);
    expect(BigInt(`0x${next.sequencer}`)).toBeGreaterThan(BigInt(`0x${before.sequencer}`));
  });

  it("drops what a crash left half-written: temp files and bytes without metadata", async () => {
    await store.putObject("photos", "whole", Readable.from(["ok"]), plain);
    const shard = join(root, "buckets", "photos", "objects", "ab");
    await writeFile(join(store.tmpDir, "crash.blob"), "partial");
    await rm(shard, { recursive: true, force: true });
    await mkdir(shard, { recursive: true });
    await writeFile(join(shard, "ab00.orphan.data"), "never committed");

    const reopened = await S3Store.open(root);
    expect(
      reopened
        .listObjects("photos", { prefix: "", delimiter: "", maxKeys: 10 })
        .objects.map((o) => o.key),
    ).toEqual(["whole"]);
    expect(await readdir(reopened.tmpDir)).toEqual([]);
    expect(await readdir(shard)).toEqual([]);
    expect(await readFile(join(root, "buckets", "photos", "bucket.json"), "utf8")).toContain(
      '"photos"',
    );
  });
});
