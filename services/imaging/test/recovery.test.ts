import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TestCloud } from "@platform/local-cloud";
import { startTestCloud } from "@platform/local-cloud";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import imaging from "../service.ts";
import { busEvents } from "../src/adapters/bus-events.ts";
import { jobsTable } from "../src/adapters/jobs-table.ts";
import { bucketObjects } from "../src/adapters/objects.ts";
import type { Checkpoint, Ports } from "../src/ports.ts";
import { processObject } from "../src/process.ts";
import { noisy } from "./support/generate.ts";
import { eventsAbout, tmpKey, upload } from "./support/platform.ts";

// The process is driven by the test alone: the platform runs without imaging's subscription.
let cloud: TestCloud;
let photo: Buffer;
const from = new Date(Date.now() - 2000);

beforeAll(async () => {
  cloud = await startTestCloud({ manifests: [{ ...imaging, subscriptions: {} }] });
  photo = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: "#3a7" } })
    .jpeg()
    .toBuffer();
}, 120_000);
afterAll(async () => {
  await cloud?.stop();
});

function portsWithCheckpoint(checkpoint: NonNullable<Ports["checkpoint"]>): Ports {
  return {
    jobs: jobsTable(
      DynamoDBDocumentClient.from(cloud.dynamodb),
      cloud.names.tables.ImagingJobs ?? "",
    ),
    objects: bucketObjects(cloud.s3, cloud.names.bucket),
    events: busEvents(cloud.eventBridge, cloud.names.bus),
    workDir: cloud.dataDir,
    now: () => new Date(),
    newId: () => crypto.randomUUID(),
    checkpoint,
  };
}

function portsFailingOnceAt(step: Checkpoint | undefined): Ports {
  let failed = false;
  return portsWithCheckpoint((at) => {
    if (at === step && !failed) {
      failed = true;
      throw new Error(`injected failure at ${at}`);
    }
  });
}

const STEPS: Checkpoint[] = [
  "downloaded",
  "variant-written",
  "rendered",
  "copied",
  "promoted",
  "published",
];

describe("a failure at any step, then the retry", () => {
  it.each(STEPS)("ends complete and announced once after a failure at %s", async (step) => {
    const { fileId, key } = tmpKey("profile", "jpg");
    const etag = await upload(cloud, key, photo, "image/jpeg");
    const object = { bucket: cloud.names.bucket, key, etag, size: photo.length };
    const ports = portsFailingOnceAt(step);

    await expect(processObject(ports, object)).rejects.toThrow(`injected failure at ${step}`);
    await expect(processObject(ports, object)).resolves.toBe("ready");
    await expect(processObject(ports, object)).resolves.toBe("duplicate");

    const announced = (await eventsAbout(cloud, from, fileId)).filter(
      (e) => e.detailType === "imaging.variants.created",
    );
    expect(announced.length).toBeGreaterThanOrEqual(1);
    expect(new Set(announced.map((e) => e.metadata.eventId)).size).toBe(1);
    const data = announced[0]?.data as {
      original: { key: string };
      variants: { key: string; width: number; height: number }[];
    };
    expect(data.variants).toHaveLength(6);
    for (const variant of data.variants)
      expect(await cloud.objectExists(variant.key), variant.key).toBe(true);
    expect(await cloud.objectExists(data.original.key)).toBe(true);
    expect(await cloud.objectExists(key)).toBe(false);
  });
});

async function bytesOf(key: string): Promise<Buffer | undefined> {
  try {
    const { Body } = await cloud.s3.send(
      new GetObjectCommand({ Bucket: cloud.names.bucket, Key: key }),
    );
    return Buffer.from((await Body?.transformToByteArray()) ?? []);
  } catch {
    return undefined;
  }
}

const originOf = (key: string) => key.replace(/^tmp\/([^/]+\/[^/]+)\//, "$1/origin/");
const variantKeysOf = (key: string) =>
  [64, 256, 1024].flatMap((size) =>
    ["webp", "jpg"].map((extension) =>
      key.replace(/^tmp\/([^/]+\/[^/]+)\/(.+)\.jpg$/, `$1/${size}/$2.${extension}`),
    ),
  );

describe("the object under tmp/ changing while it is processed", () => {
  it("never promotes or announces bytes it did not inspect when the upload is re-sent", async () => {
    const { fileId, key } = tmpKey("profile", "jpg");
    const etag = await upload(cloud, key, photo, "image/jpeg");
    const object = { bucket: cloud.names.bucket, key, etag, size: photo.length };
    const replacement = await noisy(800, 600).jpeg().toBuffer();
    const ports = portsWithCheckpoint(async (at) => {
      if (at !== "downloaded") return;
      await cloud.s3.send(
        new PutObjectCommand({
          Bucket: cloud.names.bucket,
          Key: key,
          Body: replacement,
          ContentType: "image/jpeg",
        }),
      );
    });

    await expect(processObject(ports, object)).resolves.toBe("rejected");

    const promoted = await bytesOf(originOf(key));
    expect(promoted === undefined || promoted.equals(photo)).toBe(true);
    const events = await eventsAbout(cloud, from, fileId);
    expect(events.map((e) => e.detailType)).not.toContain("imaging.variants.created");
    const rejected = events.filter((e) => e.detailType === "imaging.file.rejected");
    expect(rejected.map((e) => e.data)).toEqual([
      expect.objectContaining({
        reason: "corrupt",
        message: "the object changed while it was processed",
      }),
    ]);
    for (const variant of variantKeysOf(key))
      expect(await cloud.objectExists(variant), variant).toBe(false);
    expect((await bytesOf(key))?.equals(replacement)).toBe(true); // the new upload is left alone
  });
});

describe("the object under tmp/ removed while it is processed", () => {
  it("ends gone, announcing nothing and leaving no variants, when tmp/ is emptied after rendering", async () => {
    const { fileId, key } = tmpKey("profile", "jpg");
    const etag = await upload(cloud, key, photo, "image/jpeg");
    const object = { bucket: cloud.names.bucket, key, etag, size: photo.length };
    // What the upload service does when the owner deletes the file, or it is refused.
    const ports = portsWithCheckpoint(async (at) => {
      if (at !== "rendered") return;
      await cloud.s3.send(new DeleteObjectCommand({ Bucket: cloud.names.bucket, Key: key }));
    });

    await expect(processObject(ports, object)).resolves.toBe("gone");

    const events = await eventsAbout(cloud, from, fileId);
    expect(events.map((e) => e.detailType)).not.toContain("imaging.variants.created");
    expect(await cloud.objectExists(originOf(key))).toBe(false);
    for (const variant of variantKeysOf(key))
      expect(await cloud.objectExists(variant), variant).toBe(false);
  });
});
