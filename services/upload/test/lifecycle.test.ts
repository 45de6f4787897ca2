import { createHash, randomBytes } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  createPublisher,
  ImagingFileRejected,
  ImagingProgressUpdated,
  VariantsCreated,
} from "@platform/events";
import type { TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileEvents } from "./support/events.ts";
import { apiClient, postToS3, startPlatform, WRITE } from "./support/platform.ts";

let cloud: TestCloud;
let api: ReturnType<typeof apiClient>;
let imaging: ReturnType<typeof createPublisher>;
const from = new Date(Date.now() - 2000);
const asImaging = { actor: { type: "service" as const, id: "imaging" }, correlationId: "test" };

beforeAll(async () => {
  cloud = await startPlatform();
  api = apiClient(cloud, await cloud.token("carol", WRITE));
  imaging = createPublisher({ client: cloud.eventBridge, eventBusName: cloud.names.bus });
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
});

/** A 1 KiB profile picture, recorded and uploaded: returns its id and tmp key. */
async function uploadedFile(bytes = randomBytes(1024), sha256?: string) {
  const created = await api("POST", "/uploads", {
    filename: "me.jpg",
    contentType: "image/jpeg",
    size: bytes.length,
    purpose: "profile",
    ...(sha256 ? { sha256 } : {}),
  });
  expect(created.status).toBe(201);
  expect((await postToS3(created.body.upload, bytes, "image/jpeg")).status).toBe(204);
  await cloud.settle();
  return { fileId: created.body.fileId as string, key: created.body.key as string };
}

const statusOf = async (fileId: string) => (await api("GET", `/files/${fileId}`)).body;

/** Writes the objects imaging would have made, and the event saying so. */
async function variantsMade(file: { fileId: string; key: string }) {
  const base = file.key.replace(/^tmp\//, "").replace(/\/([^/]+)$/, "");
  const name = file.key.split("/").pop() ?? "";
  const original = {
    key: `${base}/origin/${name}`,
    size: 1024,
    contentType: "image/jpeg",
    width: 800,
    height: 600,
  };
  const variants = [64, 256].map((size) => ({
    name: `${size}`,
    key: `${base}/${size}/${name.replace(/\.jpg$/, ".webp")}`,
    width: size,
    height: size,
    format: "webp" as const,
    size: 100 + size,
  }));
  for (const key of [original.key, ...variants.map((v) => v.key)])
    await cloud.s3.send(new PutObjectCommand({ Bucket: cloud.names.bucket, Key: key, Body: key }));
  const data = {
    fileId: file.fileId,
    bucket: cloud.names.bucket,
    sourceKey: file.key,
    purpose: "profile",
    entityId: "carol",
    original,
    variants,
  };
  return { data, original, variants };
}

const progress = (file: { fileId: string; key: string }, done: number, total: number) =>
  imaging.publish(
    ImagingProgressUpdated,
    { fileId: file.fileId, bucket: cloud.names.bucket, sourceKey: file.key, done, total },
    asImaging,
  );

describe("a file's life after its upload", () => {
  it("publishes requested then uploaded, with the requester as actor and one correlation id", async () => {
    const file = await uploadedFile();
    const events = await fileEvents(cloud, from, file.fileId);
    expect(events.map((e) => e.detailType)).toEqual([
      "upload.file.requested",
      "upload.file.uploaded",
    ]);
    expect(events.map((e) => e.metadata.actor)).toEqual([
      { type: "user", id: "carol" },
      { type: "user", id: "carol" },
    ]);
    expect(new Set(events.map((e) => e.metadata.correlationId)).size).toBe(1);
  });

  it("follows imaging's progress forwards only, then becomes ready with readable variants", async () => {
    const file = await uploadedFile();
    await progress(file, 1, 3);
    await cloud.settle();
    expect(await statusOf(file.fileId)).toMatchObject({
      status: "processing",
      progress: { done: 1, total: 3 },
    });

    await progress(file, 2, 3);
    await cloud.settle();
    await progress(file, 1, 3); // late and out of order
    await cloud.settle();
    expect((await statusOf(file.fileId)).progress).toEqual({ done: 2, total: 3 });

    const { data, variants } = await variantsMade(file);
    await imaging.publish(VariantsCreated, data, asImaging);
    await imaging.publish(VariantsCreated, data, asImaging); // a duplicate delivery
    await cloud.settle();
    await progress(file, 1, 3); // after the end
    await cloud.settle();

    const ready = await statusOf(file.fileId);
    expect(ready).toMatchObject({ status: "ready", progress: { done: 3, total: 3 } });
    expect(ready.variants.map((v: { name: string }) => v.name)).toEqual(["64", "256"]);
    expect(await (await fetch(ready.variants[0].url)).text()).toBe(variants[0]?.key);
    const readyEvents = (await fileEvents(cloud, from, file.fileId)).filter(
      (e) => e.detailType === "upload.file.ready",
    );
    expect(readyEvents).toHaveLength(1);
    expect(readyEvents[0]?.data.variants).toEqual(variants);
  });

  it("redirects /content to a variant and to the promoted original", async () => {
    const file = await uploadedFile();
    const { data, original } = await variantsMade(file);
    await imaging.publish(VariantsCreated, data, asImaging);
    await cloud.settle();
    const variant = await api("GET", `/files/${file.fileId}/content?variant=64`);
    expect(variant.status).toBe(302);
    expect(await (await fetch(variant.headers.get("location") ?? "")).text()).toBe(
      data.variants[0]?.key,
    );
    const promoted = await api("GET", `/files/${file.fileId}/content`);
    expect(await (await fetch(promoted.headers.get("location") ?? "")).text()).toBe(original.key);
  });

  it("records imaging's refusal, and removes variants that arrive for a rejected file", async () => {
    const file = await uploadedFile();
    await imaging.publish(
      ImagingFileRejected,
      {
        fileId: file.fileId,
        bucket: cloud.names.bucket,
        sourceKey: file.key,
        purpose: "profile",
        entityId: "carol",
        reason: "not_an_image",
        message: "the bytes are not an image",
      },
      asImaging,
    );
    await cloud.settle();
    expect(await statusOf(file.fileId)).toMatchObject({
      status: "rejected",
      error: { code: "not_an_image", message: "the bytes are not an image" },
    });
    expect((await statusOf(file.fileId)).original).toBeUndefined();
    expect(await cloud.objectExists(file.key)).toBe(false);

    const { data, original } = await variantsMade(file);
    await imaging.publish(VariantsCreated, data, asImaging);
    await cloud.settle();
    expect((await statusOf(file.fileId)).status).toBe("rejected");
    expect(await cloud.objectExists(original.key)).toBe(false);
    const kinds = (await fileEvents(cloud, from, file.fileId)).map((e) => e.detailType);
    expect(kinds.filter((k) => k === "upload.file.rejected")).toHaveLength(1);
    expect(kinds).not.toContain("upload.file.ready");
  });

  it("rejects bytes that do not match the declared sha256, and removes them", async () => {
    const declared = randomBytes(1024);
    const sha256 = createHash("sha256").update(declared).digest("hex");
    const file = await uploadedFile(randomBytes(1024), sha256);
    expect(await statusOf(file.fileId)).toMatchObject({
      status: "rejected",
      error: { code: "checksum_mismatch" },
    });
    expect(await cloud.objectExists(file.key)).toBe(false);
  });

  it("deletes a ready file's every object, once, however often it is deleted", async () => {
    const file = await uploadedFile();
    const { data, original, variants } = await variantsMade(file);
    await imaging.publish(VariantsCreated, data, asImaging);
    await cloud.settle();

    expect((await api("DELETE", `/files/${file.fileId}`)).status).toBe(202);
    expect((await api("DELETE", `/files/${file.fileId}`)).status).toBe(202);
    await cloud.settle();
    expect((await statusOf(file.fileId)).status).toBe("deleted");
    for (const key of [file.key, original.key, ...variants.map((v) => v.key)])
      expect(await cloud.objectExists(key), key).toBe(false);
    const deletions = (await fileEvents(cloud, from, file.fileId)).filter(
      (e) => e.detailType === "upload.file.deleted",
    );
    expect(deletions).toHaveLength(1);
    expect(deletions[0]?.metadata.actor).toEqual({ type: "user", id: "carol" });
    expect(new Set(deletions[0]?.data.keys as string[])).toEqual(
      new Set([file.key, original.key, ...variants.map((v) => v.key)]),
    );
  });
});
