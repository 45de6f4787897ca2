import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { declaresImage, ImageRejected, inspect } from "./inspect.ts";
import { type Job, reached } from "./job.ts";
import { originKey, parseSourceKey, type SourceKey, variantKey } from "./keys.ts";
import { ObjectChanged, type Ports } from "./ports.ts";
import { renderVariants, variantCount } from "./variants.ts";

export interface ArrivedObject {
  bucket: string;
  key: string;
  etag: string;
  size: number;
}

export type Outcome = "ready" | "rejected" | "duplicate" | "ignored" | "gone";

const CONTENT_TYPES = { webp: "image/webp", jpeg: "image/jpeg" } as const;

/** A declared non-image is judged by its magic bytes, which file-type finds in a few KiB. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Checks, renders and promotes one object under tmp/. Every step is recorded in the file's job,
 * so a retry after a failure anywhere resumes where the work stopped and ends the same way:
 * every variant written, the original promoted, tmp/ emptied, and one result event id.
 * Every read and the copy are pinned to the version S3's event named (its ETag): the owner can
 * upload to the same key again while the work runs, and bytes never inspected must not be promoted.
 */
export async function processObject(ports: Ports, object: ArrivedObject): Promise<Outcome> {
  const source = parseSourceKey(object.key);
  if (!source) return "ignored";
  const job = await startJob(ports, source, object);
  if (job.etag !== object.etag || job.state === "done") return "duplicate";
  if (job.state === "rejected") {
    await ports.events.rejected(job); // same event id: harmless if it was already sent
    return "rejected";
  }
  if (!reached(job, "rendered")) {
    const rendered = await render(ports, source, job);
    if (rendered !== "rendered") return rendered;
  }
  if (!reached(job, "promoted")) {
    const promoted = await promote(ports, source, job);
    if (promoted !== "promoted") return promoted;
  }
  await ports.events.variantsCreated(job);
  await ports.checkpoint?.("published");
  await save(ports, job, { state: "done" });
  return "ready";
}

async function startJob(ports: Ports, source: SourceKey, object: ArrivedObject): Promise<Job> {
  const at = ports.now().toISOString();
  const fresh: Job = {
    fileId: source.fileId,
    bucket: object.bucket,
    sourceKey: source.key,
    etag: object.etag,
    purpose: source.purpose,
    entityId: source.entityId,
    state: "started",
    resultEventId: ports.newId(),
    // S3's event carries no correlation id; the file id ties imaging's events to the file.
    correlationId: source.fileId,
    total: 0,
    variants: [],
    createdAt: at,
    updatedAt: at,
  };
  if (await ports.jobs.create(fresh)) return fresh;
  const existing = await ports.jobs.get(source.fileId);
  if (!existing) throw new Error(`job for ${source.fileId} vanished while starting`);
  return existing;
}

async function save(ports: Ports, job: Job, changes: Partial<Job>) {
  Object.assign(job, changes, { updatedAt: ports.now().toISOString() });
  await ports.jobs.save(job);
}

/** Downloads, checks and renders; variants are written as they are made. */
async function render(ports: Ports, source: SourceKey, job: Job) {
  const stored = await ports.objects.head(source.key);
  if (!stored) return "gone" as const; // deleted before we got to it: nothing to do
  const contentType = stored.contentType ?? "application/octet-stream";
  if (stored.etag !== job.etag) return refuseChanged(ports, job, { contentType });
  const path = join(ports.workDir, `${source.stem}-${randomUUID()}`);
  try {
    const download = ports.objects.download(source.key, path, {
      ifMatch: job.etag,
      ...(declaresImage(contentType) ? {} : { bytes: SNIFF_BYTES }),
    });
    if (await changed(download)) return refuseChanged(ports, job, { contentType });
    await ports.checkpoint?.("downloaded");
    const inspection = await inspect(path, contentType).catch((error: unknown) => {
      if (error instanceof ImageRejected) return error;
      throw error;
    });
    if (inspection instanceof ImageRejected) {
      const { reason, message, detectedType } = inspection;
      await save(ports, job, {
        state: "rejected",
        contentType,
        rejection: { reason, message, ...(detectedType ? { detectedType } : {}) },
      });
      await ports.events.rejected(job);
      return "rejected" as const;
    }
    const original = { key: originKey(source), size: stored.size, contentType };
    if (inspection.kind === "other") {
      await save(ports, job, { state: "rendered", contentType, total: 1, variants: [], original });
      return "rendered" as const;
    }
    const total = variantCount(source.purpose) + 1;
    job.total = total;
    const variants: Job["variants"] = [];
    const result = await renderVariants(path, source.purpose, async (variant) => {
      const key = variantKey(source, variant.size, variant.format);
      await ports.objects.put(key, variant.bytes, CONTENT_TYPES[variant.format]);
      const { name, format, width, height } = variant;
      variants.push({ name, key, format, width, height, size: variant.bytes.length });
      await ports.checkpoint?.("variant-written");
      await ports.events.progress(job, variants.length, name);
    });
    await save(ports, job, {
      state: "rendered",
      contentType,
      total,
      variants,
      original: { ...original, width: result.width, height: result.height },
    });
    await ports.checkpoint?.("rendered");
    return "rendered" as const;
  } finally {
    await rm(path, { force: true });
  }
}

/** Copies the original out of tmp/, then removes it from tmp/. */
async function promote(ports: Ports, source: SourceKey, job: Job) {
  const original = job.original;
  if (!original) throw new Error(`job ${job.fileId} reached promotion without an original`);
  const pending = await ports.objects.head(source.key);
  if (pending) {
    if (pending.etag !== job.etag) return refuseChanged(ports, job);
    const copy = ports.objects.copy(source.key, original.key, { ifMatch: job.etag });
    if (await changed(copy)) return refuseChanged(ports, job);
    await ports.checkpoint?.("copied");
    await ports.objects.delete(source.key);
  } else if (!(await ports.objects.head(original.key))) {
    // Neither in tmp/ nor promoted: the upload service removed it (the owner deleted the file,
    // or it was refused). Nothing is announced, and nothing made from it is left behind.
    await removeOutputs(ports, job);
    return "gone" as const;
  }
  // tmp/ empty and the original in place: a crash came between copy and delete.
  await ports.checkpoint?.("promoted");
  await save(ports, job, { state: "promoted" });
  await ports.events.progress(job, job.total);
  return "promoted" as const;
}

/** Whether a pinned read or copy found the object replaced by another version. */
async function changed(step: Promise<void>): Promise<boolean> {
  try {
    await step;
    return false;
  } catch (error) {
    if (error instanceof ObjectChanged) return true;
    throw error;
  }
}

/**
 * The object under tmp/ is no longer the version S3's event named: its owner sent it again while
 * it was being processed. Nothing made from either version is published, and the file is refused
 * so the upload service learns its outcome; S3's event for the new version is then a duplicate
 * of this job, so the new bytes are never promoted without being inspected.
 */
async function refuseChanged(ports: Ports, job: Job, changes: Partial<Job> = {}) {
  await removeOutputs(ports, job);
  await save(ports, job, {
    ...changes,
    state: "rejected",
    rejection: { reason: "corrupt", message: "the object changed while it was processed" },
  });
  await ports.events.rejected(job);
  return "rejected" as const;
}

/** Deletes what the job wrote outside tmp/: its variants, and the original if it was copied. */
async function removeOutputs(ports: Ports, job: Job) {
  const keys = job.variants.map((variant) => variant.key);
  if (job.original) keys.push(job.original.key);
  for (const key of keys) await ports.objects.delete(key);
}
