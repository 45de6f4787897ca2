import { GetObjectCommand } from "@aws-sdk/client-s3";
import type { TestCloud } from "@platform/local-cloud";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventsAbout, startPlatform, tmpKey, upload } from "./support/platform.ts";

let cloud: TestCloud;
const from = new Date(Date.now() - 2000);

beforeAll(async () => {
  cloud = await startPlatform();
}, 120_000);
afterAll(async () => {
  await cloud?.stop();
});

async function dimensionsOf(key: string) {
  const { Body } = await cloud.s3.send(
    new GetObjectCommand({ Bucket: cloud.names.bucket, Key: key }),
  );
  const meta = await sharp(Buffer.from((await Body?.transformToByteArray()) ?? [])).metadata();
  return { width: meta.width, height: meta.height, format: meta.format };
}

const photo = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: "#c84" } })
    .jpeg()
    .toBuffer();

describe("imaging on the local platform", () => {
  it("turns a JPEG put under tmp/ into its variants, promotes it and says so", async () => {
    const { fileId, key } = tmpKey("feed", "jpg");
    await upload(cloud, key, await photo(1600, 1200), "image/jpeg");
    const events = await eventsAbout(cloud, from, fileId);
    const created = events.filter((e) => e.detailType === "imaging.variants.created");
    expect(created).toHaveLength(1);
    const data = created[0]?.data as {
      original: { key: string; width: number; height: number };
      variants: { name: string; key: string; width: number; height: number; format: string }[];
    };
    expect(data.original).toMatchObject({ width: 1600, height: 1200 });
    expect(data.original.key).toMatch(/^feed\/user-1\/origin\//);
    // Named for the recipe's size; the 2048 one is the source's 1600, never upscaled.
    expect(data.variants.map((v) => v.name).sort()).toEqual([
      "1080-jpeg",
      "1080-webp",
      "2048-jpeg",
      "2048-webp",
      "320-jpeg",
      "320-webp",
    ]);
    for (const variant of data.variants) {
      const real = await dimensionsOf(variant.key);
      expect(real, variant.key).toMatchObject({ width: variant.width, height: variant.height });
      expect(real.format).toBe(variant.format);
      expect(variant.width).toBeLessThanOrEqual(1600); // never upscaled
    }
    expect(await cloud.objectExists(key)).toBe(false);
    expect(await cloud.objectExists(data.original.key)).toBe(true);
    const progress = events.filter((e) => e.detailType === "imaging.progress.updated");
    expect(progress.map((e) => e.data.done)).toContain(7);
  });

  it("refuses a PNG declared as a JPEG and keeps it out of the public prefixes", async () => {
    const { fileId, key } = tmpKey("profile", "jpg");
    const png = await sharp({ create: { width: 50, height: 50, channels: 3, background: "#000" } })
      .png()
      .toBuffer();
    await upload(cloud, key, png, "image/jpeg");
    const events = await eventsAbout(cloud, from, fileId);
    expect(events.map((e) => e.detailType)).toEqual(["imaging.file.rejected"]);
    expect(events[0]?.data).toMatchObject({ reason: "type_mismatch", detectedType: "image/png" });
    const name = key.split("/").pop() ?? "";
    expect(await cloud.objectExists(`profile/user-1/origin/${name}`)).toBe(false);
  });

  it("promotes a PDF in a chat without variants", async () => {
    const { fileId, key } = tmpKey("chat", "pdf", "room-1");
    await upload(
      cloud,
      key,
      Buffer.from("%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
      "application/pdf",
    );
    const created = (await eventsAbout(cloud, from, fileId)).filter(
      (e) => e.detailType === "imaging.variants.created",
    );
    expect(created).toHaveLength(1);
    expect(created[0]?.data).toMatchObject({
      variants: [],
      original: { contentType: "application/pdf" },
    });
    expect(await cloud.objectExists(key)).toBe(false);
  });

  it("does the work once when S3's event is delivered twice", async () => {
    const { fileId, key } = tmpKey("chat", "jpg", "room-2");
    await upload(cloud, key, await photo(800, 600), "image/jpeg");
    await cloud.settle();
    const archive = cloud.events.archive(cloud.names.archive);
    let s3Event: unknown;
    for await (const event of archive?.between(from, new Date(Date.now() + 60_000)) ?? [])
      if (
        event["detail-type"] === "Object Created" &&
        (event.detail as { object?: { key?: string } }).object?.key === key
      )
        s3Event = event;
    expect(s3Event).toBeDefined();

    // Delivered again as the rule would: the local runtime runs the function, no Lambda API call.
    const again = await cloud.lambda.invoke(
      cloud.names.functionName("ImagingProcess"),
      JSON.stringify(s3Event),
    );
    expect(again.ok ? JSON.parse(again.payload) : again.error).toEqual({ outcome: "ready" });
    const created = (await eventsAbout(cloud, from, fileId)).filter(
      (e) => e.detailType === "imaging.variants.created",
    );
    expect(created).toHaveLength(1);
  });
});
