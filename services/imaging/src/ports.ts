import type { Job } from "./job.ts";

/** What imaging's logic needs from outside; tests pass the local platform's clients or fakes. */

export interface JobStore {
  get(fileId: string): Promise<Job | undefined>;
  /** False when a job for that file already exists. */
  create(job: Job): Promise<boolean>;
  save(job: Job): Promise<void>;
}

export interface StoredObject {
  size: number;
  etag: string;
  contentType: string | undefined;
}

export interface DownloadOptions {
  /** Only the object's first `bytes` bytes (all of it when it is shorter). */
  bytes?: number;
  /** Only the version with this ETag (as S3's event gives it); else ObjectChanged. */
  ifMatch?: string;
}

export interface ObjectStore {
  bucket: string;
  head(key: string): Promise<StoredObject | undefined>;
  /** Streams an object, or its start, to a local file. */
  download(key: string, path: string, options?: DownloadOptions): Promise<void>;
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** Server-side copy; the bytes never pass through the function. */
  copy(fromKey: string, toKey: string, options?: { ifMatch?: string }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The object under a key is no longer the version asked for: its owner uploaded it again. */
export class ObjectChanged extends Error {
  override readonly name = "ObjectChanged";

  constructor(readonly key: string) {
    super(`${key} is no longer the version processed`);
  }
}

export interface ImagingEvents {
  progress(job: Job, done: number, variant?: string): Promise<void>;
  variantsCreated(job: Job): Promise<void>;
  rejected(job: Job): Promise<void>;
}

/** Named points in the work where a test can make the process fail, to prove a retry recovers. */
export type Checkpoint =
  | "downloaded"
  | "variant-written"
  | "rendered"
  | "copied"
  | "promoted"
  | "published";

export interface Ports {
  jobs: JobStore;
  objects: ObjectStore;
  events: ImagingEvents;
  /** A folder for downloaded originals (Lambda's /tmp). */
  workDir: string;
  now: () => Date;
  newId: () => string;
  checkpoint?: (step: Checkpoint) => void | Promise<void>;
}
