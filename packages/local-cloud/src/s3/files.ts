import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { S3Error } from "./errors.ts";

/**
 * Crash-safe file writes for the object store. Everything is first written to a temp file on the
 * store's own filesystem, fsynced, then renamed into place: rename is atomic, so a reader (or a
 * restart after a crash) sees either the old file or the new one, never a half-written one.
 */

export interface WrittenBlob {
  /** The temp file holding the bytes, until it is renamed into place (or removed). */
  path: string;
  size: number;
  md5: Buffer;
}

export interface BlobOptions {
  /** Bytes beyond this fail the write with EntityTooLarge. */
  maxSize?: number;
  /** Sees every chunk on its way to disk (e.g. to hash it); throwing aborts the write. */
  observe?: (chunk: Buffer, total: number) => void;
}

export const MAX_OBJECT_SIZE = 5 * 1024 ** 3;

export function entityTooLarge(proposed: number, max: number): S3Error {
  return new S3Error(
    "EntityTooLarge",
    "Your proposed upload exceeds the maximum allowed size",
    400,
    {
      ProposedSize: proposed,
      MaxSizeAllowed: max,
    },
  );
}

/** Streams `body` into a new temp file in `tmpDir`, fsyncs it and returns its size and MD5. */
export async function writeBlob(
  tmpDir: string,
  body: AsyncIterable<Buffer | string>,
  options: BlobOptions = {},
): Promise<WrittenBlob> {
  const path = join(tmpDir, `${randomUUID()}.blob`);
  const md5 = createHash("md5");
  const max = options.maxSize ?? MAX_OBJECT_SIZE;
  let size = 0;
  const file = await open(path, "wx");
  try {
    for await (const piece of body) {
      const chunk = typeof piece === "string" ? Buffer.from(piece) : piece;
      size += chunk.length;
      if (size > max) throw entityTooLarge(size, max);
      options.observe?.(chunk, size);
      md5.update(chunk);
      await file.write(chunk);
    }
    await file.sync();
  } catch (error) {
    await file.close().catch(() => {});
    await removeQuietly(path);
    throw error;
  }
  await file.close();
  return { path, size, md5: md5.digest() };
}

/** Writes JSON next to its destination's temp folder, fsyncs, and renames it over `target`. */
export async function writeJsonAtomic(
  tmpDir: string,
  target: string,
  value: unknown,
): Promise<void> {
  const temp = join(tmpDir, `${randomUUID()}.json`);
  const file = await open(temp, "wx");
  try {
    await file.writeFile(JSON.stringify(value));
    await file.sync();
  } finally {
    await file.close();
  }
  await moveInto(temp, target);
}

/** Renames a finished temp file into place and makes the rename itself durable. */
export async function moveInto(temp: string, target: string): Promise<void> {
  try {
    await mkdir(dirname(target), { recursive: true });
    await rename(temp, target);
  } catch (error) {
    await removeQuietly(temp);
    throw error;
  }
  await syncDir(dirname(target));
}

/** fsync on a directory persists the entries renamed or removed in it (where the OS allows it). */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EPERM" && code !== "EISDIR") throw error;
  } finally {
    await handle.close();
  }
}

/** A JSON file's content; undefined when it is missing or unreadable (never committed). */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { force: true, recursive: true }).catch(() => {});
}

/** Runs tasks one at a time per id (e.g. per object key), in the order they were queued. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(id) ?? Promise.resolve();
    let release = () => {};
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.tails.set(id, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(id) === tail) this.tails.delete(id);
    }
  }
}
