import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DescribeImage } from "@platform/events";
import type { TestCloud } from "@platform/local-cloud";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { describeFile as describeWith } from "../src/describe.ts";
import type { Job } from "../src/job.ts";
import { type MemoryPorts, memoryPorts } from "./support/fakes.ts";
import { noisy } from "./support/generate.ts";
import { gpsJpeg, jpegWithComment, orientedJpeg, png } from "./support/images.ts";
import { startPlatform, tmpKey, upload } from "./support/platform.ts";

let cloud: TestCloud;
let lambda: LambdaClient;

beforeAll(async () => {
  cloud = await startPlatform();
  lambda = new LambdaClient(cloud.clientConfig);
}, 120_000);
afterAll(async () => {
  await cloud?.stop();
});

/** Calls the operation's function as the invoke-proxy does: input in, output or an error out. */
async function describeFile(fileId: string) {
  const answer = await lambda.send(
    new InvokeCommand({
      FunctionName: cloud.names.functionName("ImagingDescribe"),
      Payload: JSON.stringify({ fileId }),
    }),
  );
  const payload = JSON.parse(new TextDecoder().decode(answer.Payload));
  return { error: answer.FunctionError, payload };
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
    const { error, payload } = await describeFile(fileId);
    expect(error).toBeUndefined();
    const description = DescribeImage.output.parse(payload);
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
    const { error, payload } = await describeFile(fileId);
    expect(error).toBeUndefined();
    expect(payload).toMatchObject({
      state: "ready",
      image: { format: "jpeg", width: 1500, height: 1000, exif: { make: "TestCam" } },
    });
  });

  it("says when a photo carries no location", async () => {
    const fileId = await processed("feed", await orientedJpeg(120, 80, 1), "image/jpeg", "jpg");
    const { payload } = await describeFile(fileId);
    expect(payload.image.exif?.hasGps ?? false).toBe(false);
  });

  it("describes a refused file without reading it again", async () => {
    const fileId = await processed("profile", await png(40, 40), "image/jpeg", "jpg");
    const { payload } = await describeFile(fileId);
    expect(payload).toMatchObject({ fileId, state: "rejected" });
    expect(payload.image).toBeUndefined();
  });

  it("fails clearly for a file imaging never saw, and for input that is not a file id", async () => {
    const unknown = await describeFile(crypto.randomUUID());
    expect(unknown.error).toBe("Unhandled");
    expect(unknown.payload).toMatchObject({ errorType: "FileNotFound" });
    const malformed = await lambda.send(
      new InvokeCommand({
        FunctionName: cloud.names.functionName("ImagingDescribe"),
        Payload: JSON.stringify({ fileId: "../../etc" }),
      }),
    );
    expect(malformed.FunctionError).toBe("Unhandled");
    expect(JSON.parse(new TextDecoder().decode(malformed.Payload)).errorType).toBe("ZodError");
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
