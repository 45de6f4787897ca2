import { randomUUID } from "node:crypto";
import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DescribeImage, OperationOutput } from "@platform/events";
import exifReader from "exif-reader";
import sharp from "sharp";
import { MAX_INPUT_PIXELS } from "./inspect.ts";
import type { Ports } from "./ports.ts";

export type Description = OperationOutput<typeof DescribeImage>;

/** What is read first: a photo's header (EXIF included) sits in its first kilobytes. */
const HEADER_BYTES = 2 ** 20;
/**
 * Formats whose whole header sharp reads from the file's start. Others may keep frames (GIF,
 * WebP) or boxes (AVIF) further on, so a partial file could give a wrong frame count.
 */
const HEADER_AT_START = new Set(["jpeg", "png"]);

export class FileNotFound extends Error {
  constructor(fileId: string) {
    super(`imaging has no file ${fileId}`);
    this.name = "FileNotFound";
  }
}

const text = (value: unknown) =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
const when = (value: unknown) =>
  value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : text(value);

/** The EXIF fields worth showing, and whether a location was recorded (never the location). */
function exifSummary(raw: Buffer | undefined) {
  if (!raw) return undefined;
  try {
    const exif = exifReader(raw);
    const summary = {
      make: text(exif.Image?.Make),
      model: text(exif.Image?.Model),
      takenAt: when(exif.Photo?.DateTimeOriginal ?? exif.Image?.DateTime),
      software: text(exif.Image?.Software),
      hasGps: Object.keys(exif.GPSInfo ?? {}).length > 0,
    };
    return Object.fromEntries(Object.entries(summary).filter(([, v]) => v !== undefined)) as {
      hasGps: boolean;
    };
  } catch {
    return undefined; // unreadable EXIF is left out, not an error
  }
}

/** imaging.describe: reads the header of a file's original (no pixels decoded). */
export async function describeFile(ports: Ports, fileId: string): Promise<Description> {
  const job = await ports.jobs.get(fileId);
  if (!job) throw new FileNotFound(fileId);
  const promoted = job.state === "promoted" || job.state === "done";
  const key = promoted && job.original ? job.original.key : job.sourceKey;
  const state: Description["state"] =
    job.state === "rejected" ? "rejected" : job.state === "done" ? "ready" : "processing";
  const base: Description = {
    fileId,
    key,
    contentType: job.contentType ?? "application/octet-stream",
    state,
  };
  // A refused file is never parsed again, and a non-image has no image to describe.
  if (state === "rejected" || !base.contentType.startsWith("image/")) return base;

  const path = join(ports.workDir, `describe-${randomUUID()}`);
  try {
    const meta = await readHeader(ports, key, path);
    const exif = exifSummary(meta.exif);
    return {
      ...base,
      image: {
        format: meta.format ?? "unknown",
        width: meta.width ?? 1,
        height: meta.height ?? 1,
        ...(meta.orientation ? { orientation: meta.orientation } : {}),
        hasAlpha: meta.hasAlpha ?? false,
        pages: meta.pages ?? 1,
        ...(meta.space ? { space: meta.space } : {}),
        ...(exif ? { exif } : {}),
      },
    };
  } finally {
    await rm(path, { force: true });
  }
}

/** The header from the original's first 1 MiB; the whole original only when that is not enough. */
async function readHeader(ports: Ports, key: string, path: string) {
  const metadata = () => sharp(path, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  await ports.objects.download(key, path, { bytes: HEADER_BYTES });
  if ((await stat(path)).size < HEADER_BYTES) return metadata(); // that was all of it
  const partial = await metadata().catch(() => undefined);
  if (partial && HEADER_AT_START.has(partial.format)) return partial;
  await ports.objects.download(key, path);
  return metadata();
}
