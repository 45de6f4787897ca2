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
import { eventsAbout, exists, tmpKey, upload } from "./support/platform.ts";

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

function portsFailingOnceAt(step: Checkpoint | undefined): Ports {
  let failed = false;
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
    checkpoint: (at) => {
      if (at === step && !failed) {
        failed = true;
        throw new Error(`injected failure at ${at}`);
      }
    },
  };
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
    await upload(cloud, key, photo, "image/jpeg");
    const object = { bucket: cloud.names.bucket, key, etag: "e1", size: photo.length };
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
      expect(await exists(cloud, variant.key), variant.key).toBe(true);
    expect(await exists(cloud, data.original.key)).toBe(true);
    expect(await exists(cloud, key)).toBe(false);
  });
});
