import { DescribeImage } from "@platform/events";
import { createInvoker, type Invoker } from "@platform/invoke";
import { startTestCloud, type TestCloud } from "@platform/local-cloud";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import imaging from "../service.ts";
import { describeFile as describeWith } from "../src/describe.ts";
import type { Job } from "../src/job.ts";
import { type MemoryPorts, memoryPorts } from "./support/fakes.ts";
import { noisy } from "./support/generate.ts";
import { gpsJpeg, jpegWithComment, orientedJpeg, png } from "./support/images.ts";
import { tmpKey, upload } from "./support/platform.ts";

let cloud: TestCloud;
let caller: Invoker;

beforeAll(async () => {
  // imaging.describe's caller, upload, calls from the test itself, through the real proxy.
  cloud = await startTestCloud({ manifests: [imaging], callers: ["upload"] });
  caller = createInvoker({
    lambda: cloud.clientConfig,
    proxyName: cloud.names.proxy,
    caller: "upload",
  });
}, 120_000);
afterAll(async () => {
  caller?.close();
  await cloud?.stop();
});

/** Calls the operation as the upload service does: through the invoke-proxy. */
async function describeFile(fileId: string) {
  const result = await caller.invoke("imaging.describe", { fileId });
  if (!result.ok) throw result.error;
  return result.output;
}

async function processed(purpose: string, bytes: Buffer, contentType: string, extension: string) {
  const { fileId, key } = tmpKey(purpose, extension);
  await upload(cloud, key, bytes, contentType);
  await cloud.settle();
  return fileId;
}

describe("imaging.describe", () => {
  it("describes a promoted photo from its header: size as stored, orientation, camera, GPS present", async () => {
    const withGps = await sharp(await gpsJpeg(300, 200))
      .withMetadata({ orientation: 6 })
      .keepExif()
      .jpeg()
      .toBuffer();
    const fileId = await processed("profile", withGps, "image/jpeg", "jpg");
    const description = DescribeImage.output.parse(await describeFile(fileId));
    expect(description).toMatchObject({
      fileId,
      state: "ready",
      contentType: "image/jpeg",
      image: {
        format: "jpeg",
        width: 300,
        height: 200,
        orientation: 6,
        hasAlpha: false,
        pages: 1,
        exif: { make: "TestCam", hasGps: true },
      },
    });
    expect(description.key).toMatch(/^profile\/user-1\/origin\//);
  });

  it("describes a photo larger than the header it reads first", async () => {
    const large = await noisy(1500, 1000)
      .jpeg({ quality: 95 })
      .withExif({ IFD0: { Make: "TestCam" } })
      .toBuffer();
    expect(large.length).toBeGreaterThan(2 ** 20);
    const fileId = await processed("feed", large, "image/jpeg", "jpg");
    expect(await describeFile(fileId)).toMatchObject({
      state: "ready",
      image: { format: "jpeg", width: 1500, height: 1000, exif: { make: "TestCam" } },
    });
  });

  it("says when a photo carries no location", async () => {
    const fileId = await processed("feed", await orientedJpeg(120, 80, 1), "image/jpeg", "jpg");
    const description = await describeFile(fileId);
    expect(description.image?.exif?.hasGps ?? false).toBe(false);
  });

  it("describes a refused file without reading it again", async () => {
    const fileId = await processed("profile", await png(40, 40), "image/jpeg", "jpg");
    const description = await describeFile(fileId);
    expect(description).toMatchObject({ fileId, state: "rejected" });
    expect(description.image).toBeUndefined();
  });

  it("fails clearly for a file imaging never saw, and for input that is not a file id", async () => {
    const unknown = crypto.randomUUID();
    await expect(describeFile(unknown)).rejects.toMatchObject({
      name: "InvokeError",
      code: "target_failed",
      message: expect.stringContaining(`FileNotFound: `),
    });
    // The proxy checks the input against the contract: imaging never sees it.
    const malformed = await caller.invoke("imaging.describe", { fileId: "../../etc" });
    expect(malformed).toMatchObject({
      ok: false,
      error: { code: "invalid_input", issues: [{ path: "fileId" }] },
    });
  });
});

describe("how much of the original imaging.describe reads", () => {
  let memory: MemoryPorts;
  beforeEach(async () => {
    memory = await memoryPorts();
  });
  afterEach(() => memory.remove());

  /** A promoted photo's job, its original in the memory bucket. */
  async function promoted(bytes: Buffer) {
    const fileId = crypto.randomUUID();
    const key = `feed/user-1/origin/${fileId}_1.jpg`;
    memory.upload(key, bytes, "image/jpeg");
    const at = new Date().toISOString();
    const job: Job = {
      fileId,
      bucket: "memory",
      sourceKey: `tmp/feed/user-1/${fileId}_1.jpg`,
      etag: "etag",
      purpose: "feed",
      entityId: "user-1",
      state: "done",
      resultEventId: crypto.randomUUID(),
      correlationId: fileId,
      contentType: "image/jpeg",
      total: 7,
      variants: [],
      original: { key, size: bytes.length, contentType: "image/jpeg" },
      createdAt: at,
      updatedAt: at,
    };
    await memory.ports.jobs.create(job);
    return { fileId, key };
  }

  it("reads a large JPEG's header from its first 1 MiB", async () => {
    const large = await noisy(1500, 1000).jpeg({ quality: 95 }).toBuffer();
    const { fileId, key } = await promoted(large);

    const description = await describeWith(memory.ports, fileId);

    expect(description.image).toMatchObject({ format: "jpeg", width: 1500, height: 1000 });
    expect(memory.downloads).toEqual([{ key, options: { bytes: 2 ** 20 }, received: 2 ** 20 }]);
  });

  it("reads the whole original when its first 1 MiB holds no readable header", async () => {
    // Comment segments before the frame header push it past the first 1 MiB.
    let padded: Buffer = await noisy(300, 200).jpeg().toBuffer();
    for (let i = 0; i < 20; i++) padded = jpegWithComment(padded, "x".repeat(60_000));
    const { fileId, key } = await promoted(padded);

    const description = await describeWith(memory.ports, fileId);

    expect(description.image).toMatchObject({ format: "jpeg", width: 300, height: 200 });
    expect(memory.downloads).toEqual([
      { key, options: { bytes: 2 ** 20 }, received: 2 ** 20 },
      { key, options: {}, received: padded.length },
    ]);
  });
});
