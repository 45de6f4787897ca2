import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestCloud } from "@platform/local-cloud";
import { startTestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import imaging from "../service.ts";
import { bucketObjects } from "../src/adapters/objects.ts";
import { ObjectChanged, type ObjectStore } from "../src/ports.ts";
import { tmpKey, upload } from "./support/platform.ts";

// The S3 adapter against the local platform's S3: ranges and ETag conditions as S3 answers them.
let cloud: TestCloud;
let objects: ObjectStore;

beforeAll(async () => {
  cloud = await startTestCloud({ manifests: [{ ...imaging, subscriptions: {} }] });
  objects = bucketObjects(cloud.s3, cloud.names.bucket);
}, 120_000);
afterAll(async () => {
  await cloud?.stop();
});

const bytes = Buffer.from("0123456789".repeat(10));
const localPath = () => join(cloud.dataDir, `download-${crypto.randomUUID()}`);

describe("download", () => {
  it("writes the first bytes only when asked for a number of bytes", async () => {
    const { key } = tmpKey("chat", "pdf");
    await upload(cloud, key, bytes, "application/pdf");
    const path = localPath();
    await objects.download(key, path, { bytes: 16 });
    expect(await readFile(path)).toEqual(bytes.subarray(0, 16));
  });

  it("writes the whole object when it is shorter than the bytes asked for, or empty", async () => {
    const { key } = tmpKey("chat", "pdf");
    await upload(cloud, key, bytes, "application/pdf");
    const path = localPath();
    await objects.download(key, path, { bytes: 1000 });
    expect(await readFile(path)).toEqual(bytes);

    const empty = tmpKey("chat", "pdf").key;
    await upload(cloud, empty, Buffer.alloc(0), "application/pdf");
    await objects.download(empty, path, { bytes: 1000 });
    expect((await readFile(path)).length).toBe(0);
  });

  it("downloads the version whose ETag it is given, as S3's event spells it (no quotes)", async () => {
    const { key } = tmpKey("chat", "pdf");
    const etag = await upload(cloud, key, bytes, "application/pdf");
    expect(etag).not.toContain('"');
    const path = localPath();
    await objects.download(key, path, { ifMatch: etag, bytes: 10 });
    expect(await readFile(path)).toEqual(bytes.subarray(0, 10));
  });

  it("throws ObjectChanged when the object is no longer that version", async () => {
    const { key } = tmpKey("chat", "pdf");
    const etag = await upload(cloud, key, bytes, "application/pdf");
    await upload(cloud, key, Buffer.from("replaced"), "application/pdf");
    const download = objects.download(key, localPath(), { ifMatch: etag });
    await expect(download).rejects.toThrow(ObjectChanged);
    await expect(download).rejects.toThrow(`${key} is no longer the version processed`);
  });
});

describe("copy", () => {
  it("copies the version whose ETag it is given", async () => {
    const { key } = tmpKey("chat", "pdf");
    const etag = await upload(cloud, key, bytes, "application/pdf");
    const to = `chat/user-1/origin/${crypto.randomUUID()}.pdf`;
    await objects.copy(key, to, { ifMatch: etag });
    expect(await cloud.objectExists(to)).toBe(true);
  });

  it("throws ObjectChanged, copying nothing, when the source is no longer that version", async () => {
    const { key } = tmpKey("chat", "pdf");
    const etag = await upload(cloud, key, bytes, "application/pdf");
    await upload(cloud, key, Buffer.from("replaced"), "application/pdf");
    const to = `chat/user-1/origin/${crypto.randomUUID()}.pdf`;
    await expect(objects.copy(key, to, { ifMatch: etag })).rejects.toThrow(ObjectChanged);
    expect(await cloud.objectExists(to)).toBe(false);
  });
});
