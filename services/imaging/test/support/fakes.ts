import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "../../src/job.ts";
import { type DownloadOptions, ObjectChanged, type Ports } from "../../src/ports.ts";

/**
 * Ports held in memory, for unit tests of the process and describe logic: a bucket that keeps
 * S3's rules on ETags, ranges and conditions, and records every download; jobs in a map; events
 * in a list.
 */

interface MemoryObject {
  bytes: Buffer;
  contentType: string;
  etag: string;
}

export interface Download {
  key: string;
  options: DownloadOptions;
  /** Bytes written to the local file. */
  received: number;
}

const bareEtag = (etag: string) => etag.replaceAll('"', "");

export async function memoryPorts() {
  const workDir = await mkdtemp(join(tmpdir(), "imaging-memory-"));
  const objects = new Map<string, MemoryObject>();
  const downloads: Download[] = [];
  const jobs = new Map<string, Job>();
  const published: { type: "progress" | "variants-created" | "rejected"; job: Job }[] = [];
  const changedUnless = (key: string, ifMatch: string | undefined) => {
    const object = objects.get(key);
    if (!object) throw new Error(`NoSuchKey ${key}`);
    if (ifMatch !== undefined && bareEtag(ifMatch) !== object.etag) throw new ObjectChanged(key);
    return object;
  };

  const ports: Ports = {
    jobs: {
      get: async (fileId) => structuredClone(jobs.get(fileId)),
      async create(job) {
        if (jobs.has(job.fileId)) return false;
        jobs.set(job.fileId, structuredClone(job));
        return true;
      },
      async save(job) {
        jobs.set(job.fileId, structuredClone(job));
      },
    },
    objects: {
      bucket: "memory",
      async head(key) {
        const object = objects.get(key);
        if (!object) return undefined;
        return { size: object.bytes.length, etag: object.etag, contentType: object.contentType };
      },
      async download(key, path, options = {}) {
        const { bytes } = changedUnless(key, options.ifMatch);
        const received = bytes.subarray(0, options.bytes ?? bytes.length);
        await writeFile(path, received);
        downloads.push({ key, options, received: received.length });
      },
      async put(key, bytes, contentType) {
        objects.set(key, { bytes, contentType, etag: md5(bytes) });
      },
      async copy(fromKey, toKey, options = {}) {
        objects.set(toKey, { ...changedUnless(fromKey, options.ifMatch) });
      },
      async delete(key) {
        objects.delete(key);
      },
    },
    events: {
      async progress(job) {
        published.push({ type: "progress", job: structuredClone(job) });
      },
      async variantsCreated(job) {
        published.push({ type: "variants-created", job: structuredClone(job) });
      },
      async rejected(job) {
        published.push({ type: "rejected", job: structuredClone(job) });
      },
    },
    workDir,
    now: () => new Date(),
    newId: () => crypto.randomUUID(),
  };

  return {
    ports,
    objects,
    downloads,
    jobs,
    published,
    /** Stores bytes as a client's upload would, and answers the object's ETag (unquoted). */
    upload(key: string, bytes: Buffer, contentType: string): string {
      const etag = md5(bytes);
      objects.set(key, { bytes, contentType, etag });
      return etag;
    },
    remove: () => rm(workDir, { recursive: true, force: true }),
  };
}

export type MemoryPorts = Awaited<ReturnType<typeof memoryPorts>>;

function md5(bytes: Buffer): string {
  return createHash("md5").update(bytes).digest("hex");
}
