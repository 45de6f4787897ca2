import { createHash, randomBytes, randomUUID } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createPublisher, VariantsCreated } from "@platform/events";
import type { TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imagingResult } from "../src/consumers/imaging-results.ts";
import { type ArrivedEvent, objectCreated } from "../src/consumers/object-created.ts";
import type { FileRecord, Original } from "../src/files.ts";
import type { Storage, StoredObject } from "../src/ports.ts";
import { fileEvents } from "./support/events.ts";
import { apiClient, postToS3, startPlatform, WRITE } from "./support/platform.ts";
import {
  CREATED_AT,
  fakePorts,
  memoryFiles,
  memorySink,
  noStorage,
  pendingFile,
} from "./unit/fakes.ts";

// Imaging and this service both consume S3's Object Created for tmp/, so either may finish first;
// a file is ready only once its bytes passed this service's checks, whichever order that is.

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const md5Hex = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

describe("the arrival consumer, whatever the bucket holds by the time it runs", () => {
  const DECLARED = "ab".repeat(32);
  // S3's ETags: a single-part object's is the MD5 of its bytes, a multipart one's ends in -<parts>.
  const ETAG = "e1".repeat(16);
  const REPLACED_ETAG = "e2".repeat(16);
  const MULTIPART_ETAG = `${"e3".repeat(16)}-3`;
  const ORIGINAL: Original = {
    key: "profile/alice/origin/me.jpg",
    size: 1024,
    contentType: "image/jpeg",
  };
  const VARIANT = {
    name: "64",
    key: "profile/alice/64/me.webp",
    width: 64,
    height: 64,
    format: "webp" as const,
    size: 100,
  };

  /** A bucket of `objects` by key, hashing each to `hashes[key]`, recording what is deleted. */
  function fakeBucket(
    objects: Record<string, StoredObject>,
    hashes: Record<string, string> = {},
    failDeletes = 0,
  ) {
    const hashed: string[] = [];
    const deletions: string[][] = [];
    let failuresLeft = failDeletes;
    const storage: Storage = {
      ...noStorage,
      async head(key) {
        return objects[key];
      },
      async sha256(key) {
        hashed.push(key);
        const hash = hashes[key];
        if (!hash) throw new Error(`no bytes at ${key}`);
        return hash;
      },
      async deleteAll(keys) {
        deletions.push(keys);
        if (failuresLeft-- > 0) throw new Error("DeleteObjects failed");
      },
    };
    return { storage, hashed, deletions };
  }

  const stored = (overrides: Partial<StoredObject> = {}): StoredObject => ({
    size: 1024,
    etag: ETAG,
    contentType: "image/jpeg",
    checksumSha256: undefined,
    ...overrides,
  });

  const arrivalOf = (file: FileRecord, overrides: Partial<ArrivedEvent> = {}): ArrivedEvent => ({
    bucket: "uploads",
    key: file.key,
    size: 1024,
    etag: ETAG,
    eventId: "s3-event-1",
    ...overrides,
  });

  /** A file whose result imaging reported before its arrival was checked. */
  const promotedFile = () =>
    pendingFile({
      sha256: DECLARED,
      status: "processing",
      original: ORIGINAL,
      variants: [VARIANT],
      progress: { done: 1, total: 1 },
      sweepShard: undefined,
      sweepAt: undefined,
    });

  function portsFor(file: FileRecord, storage: Storage) {
    const files = memoryFiles(file);
    const events = memorySink();
    return { ports: fakePorts({ files, events, storage }), files, events };
  }

  it("checks the promoted original when tmp/ is gone, then makes the file ready", async () => {
    const file = promotedFile();
    const bucket = fakeBucket({ [ORIGINAL.key]: stored() }, { [ORIGINAL.key]: DECLARED });
    const { ports, files, events } = portsFor(file, bucket.storage);

    expect(await objectCreated(ports, arrivalOf(file))).toBe("ready");
    expect(bucket.hashed).toEqual([ORIGINAL.key]);
    expect(files.rows.get(file.fileId)).toMatchObject({
      status: "ready",
      uploaded: { etag: ETAG, size: 1024 },
    });
    expect(events.published.map((e) => e.detailType)).toEqual([
      "upload.file.uploaded",
      "upload.file.ready",
    ]);
  });

  it("uses S3's stored checksum of the original instead of reading its bytes", async () => {
    const file = promotedFile();
    const checksumSha256 = Buffer.from(DECLARED, "hex").toString("base64");
    const bucket = fakeBucket({ [ORIGINAL.key]: stored({ checksumSha256 }) });
    const { ports, files } = portsFor(file, bucket.storage);

    expect(await objectCreated(ports, arrivalOf(file))).toBe("ready");
    expect(bucket.hashed).toEqual([]);
    expect(files.rows.get(file.fileId)?.status).toBe("ready");
  });

  it("rejects a file whose original fails the checks, and removes every object it has", async () => {
    const file = promotedFile();
    const bucket = fakeBucket({ [ORIGINAL.key]: stored() }, { [ORIGINAL.key]: "cd".repeat(32) });
    const { ports, files, events } = portsFor(file, bucket.storage);

    expect(await objectCreated(ports, arrivalOf(file))).toBe("rejected");
    expect(files.rows.get(file.fileId)).toMatchObject({
      status: "rejected",
      error: { code: "checksum_mismatch" },
    });
    expect(events.published.map((e) => e.detailType)).toEqual(["upload.file.rejected"]);
    expect(bucket.deletions).toEqual([[file.key, ORIGINAL.key, VARIANT.key]]);
  });

  it("answers unknown when neither tmp/ nor a promoted original holds the bytes", async () => {
    const file = pendingFile();
    const { ports, files, events } = portsFor(file, fakeBucket({}).storage);

    expect(await objectCreated(ports, arrivalOf(file))).toBe("unknown");
    expect(files.rows.get(file.fileId)?.status).toBe("pending");
    expect(events.published).toEqual([]);
  });

  it("skips an event whose object at tmp/ was since replaced, checking nothing", async () => {
    const file = pendingFile({ sha256: DECLARED });
    const bucket = fakeBucket(
      { [file.key]: stored({ etag: REPLACED_ETAG }) },
      { [file.key]: DECLARED },
    );
    const { ports, files, events } = portsFor(file, bucket.storage);

    expect(await objectCreated(ports, arrivalOf(file, { etag: ETAG }))).toBe("superseded");
    expect(bucket.hashed).toEqual([]);
    expect(files.rows.get(file.fileId)?.uploaded).toBeUndefined();
    expect(events.published).toEqual([]);

    // The replacement's own event is the one checked.
    expect(await objectCreated(ports, arrivalOf(file, { etag: REPLACED_ETAG }))).toBe("uploaded");
    expect(files.rows.get(file.fileId)?.uploaded?.etag).toBe(REPLACED_ETAG);
  });

  it("skips an event whose single-part object is not the one imaging promoted", async () => {
    const file = promotedFile();
    const bucket = fakeBucket(
      { [ORIGINAL.key]: stored({ etag: REPLACED_ETAG }) },
      { [ORIGINAL.key]: DECLARED },
    );
    const { ports, files } = portsFor(file, bucket.storage);

    expect(await objectCreated(ports, arrivalOf(file, { etag: ETAG }))).toBe("superseded");
    expect(files.rows.get(file.fileId)?.status).toBe("processing");
  });

  it("checks the original of a multipart upload, whose copy has a plain ETag, by its size", async () => {
    const file = promotedFile();
    const bucket = fakeBucket(
      { [ORIGINAL.key]: stored({ etag: "e4".repeat(16) }) },
      { [ORIGINAL.key]: DECLARED },
    );
    const { ports, files } = portsFor(file, bucket.storage);

    expect(await objectCreated(ports, arrivalOf(file, { etag: MULTIPART_ETAG }))).toBe("ready");
    expect(files.rows.get(file.fileId)?.uploaded?.etag).toBe(MULTIPART_ETAG);
  });

  it("removes a rejected file's bytes on the retry when the first delete failed", async () => {
    const file = pendingFile({ sha256: DECLARED });
    const bucket = fakeBucket({ [file.key]: stored() }, { [file.key]: "cd".repeat(32) }, 1);
    const { ports, files, events } = portsFor(file, bucket.storage);

    await expect(objectCreated(ports, arrivalOf(file))).rejects.toThrow("DeleteObjects failed");
    expect(files.rows.get(file.fileId)?.status).toBe("rejected");

    expect(await objectCreated(ports, arrivalOf(file))).toBe("duplicate");
    expect(bucket.deletions).toEqual([[file.key], [file.key]]);
    expect(events.published.map((e) => e.detailType)).toEqual(["upload.file.rejected"]);
  });

  it("removes an uploaded file's bytes imaging refused, again on the retry when deleting failed", async () => {
    const file = pendingFile({
      status: "uploaded",
      uploaded: { etag: ETAG, size: 1024, at: CREATED_AT },
    });
    const bucket = fakeBucket({}, {}, 1);
    const { ports, files } = portsFor(file, bucket.storage);
    const refusal = {
      kind: "rejected" as const,
      fileId: file.fileId,
      code: "not_an_image",
      message: "no",
    };

    await expect(imagingResult(ports, refusal, "imaging-1")).rejects.toThrow(
      "DeleteObjects failed",
    );
    expect(files.rows.get(file.fileId)?.status).toBe("rejected");
    expect(await imagingResult(ports, refusal, "imaging-1")).toBe("ignored");
    expect(bucket.deletions).toEqual([[file.key], [file.key]]);
  });

  it("still purges variants imaging made for a file that was since rejected", async () => {
    const file = pendingFile({
      status: "rejected",
      uploaded: { etag: ETAG, size: 1024, at: CREATED_AT },
      error: { code: "checksum_mismatch", message: "no" },
    });
    const bucket = fakeBucket({});
    const { ports } = portsFor(file, bucket.storage);

    const made = {
      kind: "variants" as const,
      fileId: file.fileId,
      original: ORIGINAL,
      variants: [VARIANT],
    };
    expect(await imagingResult(ports, made, "imaging-1")).toBe("purged");
    expect(new Set(bucket.deletions.flat())).toEqual(
      new Set([file.key, ORIGINAL.key, VARIANT.key]),
    );
  });
});

describe("on the local platform, imaging's result before the upload's checks", () => {
  let cloud: TestCloud;
  let api: ReturnType<typeof apiClient>;
  let imaging: ReturnType<typeof createPublisher>;
  const from = new Date(Date.now() - 2000);
  const asImaging = { actor: { type: "service" as const, id: "imaging" }, correlationId: "test" };

  beforeAll(async () => {
    cloud = await startPlatform();
    api = apiClient(cloud, await cloud.token("dave", WRITE));
    imaging = createPublisher({ client: cloud.eventBridge, eventBusName: cloud.names.bus });
  }, 60_000);
  afterAll(async () => {
    await cloud?.stop();
  });

  const statusOf = async (fileId: string) => (await api("GET", `/files/${fileId}`)).body;
  /** What this service announced about a file, in order. */
  const announced = async (fileId: string) =>
    (await fileEvents(cloud, from, fileId))
      .map((e) => e.detailType)
      .filter((kind) => kind.startsWith("upload.file."));

  /** A recorded 1 KiB profile picture declaring the sha256 of `bytes`; nothing uploaded yet. */
  async function requested(bytes: Buffer) {
    const created = await api("POST", "/uploads", {
      filename: "me.jpg",
      contentType: "image/jpeg",
      size: bytes.length,
      purpose: "profile",
      sha256: sha256Hex(bytes),
    });
    expect(created.status).toBe(201);
    return created.body as {
      fileId: string;
      key: string;
      upload: { url: string; fields: Record<string, string> };
    };
  }

  /** What imaging does once it has the bytes: promotes them, writes a variant, says so. */
  async function imagingFinished(file: { fileId: string; key: string }, originalBytes: Buffer) {
    const name = file.key.split("/").pop() ?? "";
    const original = {
      key: `profile/dave/origin/${name}`,
      size: originalBytes.length,
      contentType: "image/jpeg",
    };
    const variant = {
      name: "64",
      key: `profile/dave/64/${name.replace(/\.jpg$/, ".webp")}`,
      width: 64,
      height: 64,
      format: "webp" as const,
      size: 3,
    };
    const put = (key: string, body: Buffer, contentType: string) =>
      cloud.s3.send(
        new PutObjectCommand({
          Bucket: cloud.names.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
        }),
      );
    await put(original.key, originalBytes, "image/jpeg");
    await put(variant.key, Buffer.from("v64"), "image/webp");
    await imaging.publish(
      VariantsCreated,
      {
        fileId: file.fileId,
        bucket: cloud.names.bucket,
        sourceKey: file.key,
        purpose: "profile",
        entityId: "dave",
        original,
        variants: [variant],
      },
      asImaging,
    );
    await cloud.settle();
    return { original, variant };
  }

  /** S3's Object Created for `key`, as EventBridge hands it to the consumer. */
  function objectCreatedEvent(key: string, bytes: Buffer) {
    return {
      version: "0",
      id: randomUUID(),
      "detail-type": "Object Created",
      source: "aws.s3",
      account: "000000000000",
      time: new Date().toISOString(),
      region: "us-east-1",
      resources: [`arn:aws:s3:::${cloud.names.bucket}`],
      detail: {
        version: "0",
        bucket: { name: cloud.names.bucket },
        object: { key, size: bytes.length, etag: md5Hex(bytes), sequencer: "0001" },
        "request-id": "request-1",
        requester: "000000000000",
        "source-ip-address": "127.0.0.1",
        reason: "POST Object",
      },
    };
  }

  async function deliverToConsumer(event: unknown) {
    // Straight to the function, as a redelivery would: the local runtime, not the Lambda API.
    const answer = await cloud.lambda.invoke(
      cloud.names.functionName("UploadObjectCreated"),
      JSON.stringify(event),
    );
    if (!answer.ok) throw new Error(`the consumer failed: ${JSON.stringify(answer.error)}`);
    await cloud.settle();
    return JSON.parse(answer.payload) as { outcome: string };
  }

  it("waits for the bytes when imaging reports first, then announces uploaded before ready", async () => {
    const bytes = randomBytes(1024);
    const file = await requested(bytes);
    await imagingFinished(file, bytes);
    expect(await statusOf(file.fileId)).toMatchObject({ status: "processing" });
    expect(await announced(file.fileId)).toEqual(["upload.file.requested"]);

    expect((await postToS3(file.upload, bytes, "image/jpeg")).status).toBe(204);
    await cloud.settle();

    expect(await statusOf(file.fileId)).toMatchObject({
      status: "ready",
      progress: { done: 1, total: 1 },
    });
    expect(await announced(file.fileId)).toEqual([
      "upload.file.requested",
      "upload.file.uploaded",
      "upload.file.ready",
    ]);
  });

  it("checks the promoted original when imaging removed tmp/ before the consumer ran", async () => {
    const bytes = randomBytes(1024);
    const file = await requested(bytes);
    await imagingFinished(file, bytes);
    expect(await cloud.objectExists(file.key)).toBe(false);

    expect(await deliverToConsumer(objectCreatedEvent(file.key, bytes))).toEqual({
      outcome: "ready",
    });
    expect(await statusOf(file.fileId)).toMatchObject({ status: "ready" });
    expect(await announced(file.fileId)).toEqual([
      "upload.file.requested",
      "upload.file.uploaded",
      "upload.file.ready",
    ]);
  });

  it("rejects when the promoted original fails the checks, removing it and its variants", async () => {
    const declared = randomBytes(1024);
    const file = await requested(declared);
    const other = randomBytes(1024);
    const { original, variant } = await imagingFinished(file, other);

    expect(await deliverToConsumer(objectCreatedEvent(file.key, other))).toEqual({
      outcome: "rejected",
    });
    expect(await statusOf(file.fileId)).toMatchObject({
      status: "rejected",
      error: { code: "checksum_mismatch" },
    });
    expect(await cloud.objectExists(original.key)).toBe(false);
    expect(await cloud.objectExists(variant.key)).toBe(false);
    expect(await announced(file.fileId)).toEqual(["upload.file.requested", "upload.file.rejected"]);
  });
});
