import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ObjectStore } from "../src/ports.ts";
import { processObject } from "../src/process.ts";
import { type MemoryPorts, memoryPorts } from "./support/fakes.ts";
import { jpeg, pdfDocument } from "./support/images.ts";

// The process against ports held in memory: what it downloads, and what it does when the object
// under tmp/ is replaced while it works (the owner can re-send with the same presigned request).

let memory: MemoryPorts;
beforeEach(async () => {
  memory = await memoryPorts();
});
afterEach(() => memory.remove());

function arrived(purpose: string, extension: string, bytes: Buffer, contentType: string) {
  const fileId = crypto.randomUUID();
  const key = `tmp/${purpose}/entity-1/${fileId}_${Date.now()}.${extension}`;
  const etag = memory.upload(key, bytes, contentType);
  return { fileId, object: { bucket: "memory", key, etag, size: bytes.length } };
}

const publishedTypes = () => memory.published.map((event) => event.type);
const keysOutsideTmp = () => [...memory.objects.keys()].filter((key) => !key.startsWith("tmp/"));

/** Replaces the object under `key` with another photo, as a second upload to it would. */
let otherPhoto: Buffer;
beforeAll(async () => {
  otherPhoto = await jpeg(300, 200);
});
const replace = (key: string) => memory.upload(key, otherPhoto, "image/jpeg");
const changedWhileProcessed = {
  reason: "corrupt",
  message: "the object changed while it was processed",
};

describe("what the process downloads", () => {
  it("promotes a 3 MB PDF having downloaded only its first 64 KiB", async () => {
    const pdf = Buffer.concat([pdfDocument(), Buffer.alloc(3 * 2 ** 20, 0x20)]);
    const { object } = arrived("chat", "pdf", pdf, "application/pdf");

    await expect(processObject(memory.ports, object)).resolves.toBe("ready");

    expect(memory.downloads).toEqual([
      { key: object.key, options: { bytes: 64 * 1024, ifMatch: object.etag }, received: 65536 },
    ]);
    const [promoted] = keysOutsideTmp();
    expect(promoted).toMatch(/^chat\/entity-1\/origin\//);
    expect(memory.objects.get(promoted ?? "")?.bytes.equals(pdf)).toBe(true);
    expect(publishedTypes().at(-1)).toBe("variants-created");
  });

  it("downloads an image whole, pinned to the version S3's event names", async () => {
    const photo = await jpeg(400, 300);
    const { object } = arrived("profile", "jpg", photo, "image/jpeg");

    await expect(processObject(memory.ports, object)).resolves.toBe("ready");

    expect(memory.downloads).toEqual([
      { key: object.key, options: { ifMatch: object.etag }, received: photo.length },
    ]);
  });
});

describe("an object replaced under tmp/ while it is processed", () => {
  /** The memory bucket, with `step` replaced to run `before` first. */
  function objectsWith(
    step: "download" | "copy",
    before: (key: string) => void,
  ): Pick<ObjectStore, "download" | "copy"> {
    const { download, copy } = memory.ports.objects;
    return step === "download"
      ? {
          download: async (key, path, options) => {
            before(key);
            await download(key, path, options);
          },
          copy,
        }
      : {
          download,
          copy: async (from, to, options) => {
            before(from);
            await copy(from, to, options);
          },
        };
  }

  it("is refused before any download when it is no longer the version S3 announced", async () => {
    const { object } = arrived("profile", "jpg", await jpeg(400, 300), "image/jpeg");
    replace(object.key);

    await expect(processObject(memory.ports, object)).resolves.toBe("rejected");

    expect(memory.downloads).toEqual([]);
    expect(publishedTypes()).toEqual(["rejected"]);
    expect(memory.published[0]?.job.rejection).toEqual(changedWhileProcessed);
    expect(keysOutsideTmp()).toEqual([]);
  });

  it("is refused, nothing rendered, when it changes between the check and the download", async () => {
    const { object } = arrived("profile", "jpg", await jpeg(400, 300), "image/jpeg");
    Object.assign(memory.ports.objects, objectsWith("download", replace));

    await expect(processObject(memory.ports, object)).resolves.toBe("rejected");

    expect(publishedTypes()).toEqual(["rejected"]);
    expect(memory.published[0]?.job.rejection).toEqual(changedWhileProcessed);
    expect(keysOutsideTmp()).toEqual([]);
  });

  it("is refused, its variants removed and the original not promoted, when it changes before the copy", async () => {
    const { object } = arrived("profile", "jpg", await jpeg(400, 300), "image/jpeg");
    Object.assign(memory.ports.objects, objectsWith("copy", replace));

    await expect(processObject(memory.ports, object)).resolves.toBe("rejected");

    expect(publishedTypes()).not.toContain("variants-created");
    expect(publishedTypes().at(-1)).toBe("rejected");
    expect(memory.published.at(-1)?.job.rejection).toEqual(changedWhileProcessed);
    expect(keysOutsideTmp()).toEqual([]);
  });

  it("refuses S3's later event for the new version as a duplicate: the file was refused", async () => {
    const { object } = arrived("profile", "jpg", await jpeg(400, 300), "image/jpeg");
    const newEtag = replace(object.key);
    await expect(processObject(memory.ports, object)).resolves.toBe("rejected");

    const later = { ...object, etag: newEtag };
    await expect(processObject(memory.ports, later)).resolves.toBe("duplicate");
    expect(publishedTypes()).toEqual(["rejected"]);
    expect(memory.published[0]?.job.rejection).toEqual(changedWhileProcessed);
  });
});
