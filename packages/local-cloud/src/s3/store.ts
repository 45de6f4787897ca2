import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { CorsRule } from "./cors.ts";
import {
  bucketAlreadyOwnedByYou,
  bucketNotEmpty,
  invalidBucketName,
  keyTooLong,
  noSuchBucket,
  noSuchKey,
} from "./error-codes.ts";
import {
  type BlobOptions,
  KeyedLock,
  moveInto,
  removeQuietly,
  syncDir,
  type WrittenBlob,
  writeBlob,
  writeJsonAtomic,
} from "./files.ts";
import { type ListQuery, listKeys, SortedKeys } from "./listing.ts";
import {
  attributesOf,
  type BucketInfo,
  checkPrecondition,
  type ObjectAttributes,
  quoteEtag,
  type StoredObject,
  type WritePrecondition,
} from "./object-model.ts";
import { type BucketState, type Entry, loadBucket } from "./store-load.ts";

/**
 * S3's buckets and objects on disk. Layout under the root:
 *   .tmp/                                     temp files, emptied on open
 *   buckets/<bucket>/bucket.json              the bucket (its presence makes the bucket exist)
 *   buckets/<bucket>/objects/<aa>/<sha>.json  one object's metadata, named by the SHA-256 of its key
 *   buckets/<bucket>/objects/<aa>/<sha>.<uuid>.data   its bytes
 *   buckets/<bucket>/uploads/…                multipart uploads (multipart.ts)
 * Keys never become paths, so no key can escape the root. The metadata file is the commit point:
 * bytes are renamed into place first, then the metadata that points to them. All metadata is read
 * into memory on open; a sorted key index per bucket serves listings.
 */

export interface PutOptions extends BlobOptions {
  /** Runs once every byte is on disk, before the object becomes visible; throwing discards it. */
  verify?: (written: WrittenBlob) => void | Promise<void>;
  precondition?: WritePrecondition;
}

export interface ObjectPage {
  objects: StoredObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  last?: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const keyHash = (key: string) => createHash("sha256").update(key).digest("hex");
const shardOf = (dir: string, hash: string) => join(dir, "objects", hash.slice(0, 2));

export class S3Store {
  readonly tmpDir: string;
  private readonly buckets = new Map<string, BucketState>();
  private readonly locks = new KeyedLock();
  private lastSequencer = 0n;

  private constructor(
    readonly root: string,
    private readonly clock: () => Date,
  ) {
    this.tmpDir = join(root, ".tmp");
  }

  /** Opens (or creates) the store in `root`, reading every bucket's metadata into memory. */
  static async open(root: string, options: { now?: () => Date } = {}): Promise<S3Store> {
    const store = new S3Store(root, options.now ?? (() => new Date()));
    await rm(store.tmpDir, { recursive: true, force: true });
    await mkdir(store.tmpDir, { recursive: true });
    await mkdir(join(root, "buckets"), { recursive: true });
    for (const name of await readdir(join(root, "buckets"))) {
      const loaded = await loadBucket(join(root, "buckets", name));
      if (!loaded) continue;
      store.buckets.set(loaded.state.info.name, loaded.state);
      if (loaded.sequencer > store.lastSequencer) store.lastSequencer = loaded.sequencer;
    }
    return store;
  }

  listBuckets(): BucketInfo[] {
    return [...this.buckets.values()].map((b) => b.info).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  getBucket(name: string): BucketInfo {
    return this.bucket(name).info;
  }

  async createBucket(name: string): Promise<BucketInfo> {
    if (!BUCKET_NAME.test(name) || name.includes("..")) throw invalidBucketName(name);
    return this.locks.run(`bucket:${name}`, async () => {
      if (this.buckets.has(name)) throw bucketAlreadyOwnedByYou(name);
      const dir = join(this.root, "buckets", name);
      await mkdir(join(dir, "objects"), { recursive: true });
      const info: BucketInfo = { name, creationDate: this.timestamp() };
      await writeJsonAtomic(this.tmpDir, join(dir, "bucket.json"), info);
      this.buckets.set(name, { info, dir, objects: new Map(), keys: new SortedKeys() });
      return info;
    });
  }

  async deleteBucket(name: string): Promise<void> {
    const state = this.bucket(name);
    if (state.objects.size > 0) throw bucketNotEmpty(name);
    this.buckets.delete(name);
    // Renaming the folder away is atomic; removing it afterwards can be slow and may be cut short.
    const grave = join(this.tmpDir, randomUUID());
    await rename(state.dir, grave);
    await syncDir(join(this.root, "buckets"));
    await removeQuietly(grave);
  }

  async setBucketCors(name: string, cors: CorsRule[] | undefined): Promise<void> {
    const state = this.bucket(name);
    const info: BucketInfo = {
      name,
      creationDate: state.info.creationDate,
      ...(cors ? { cors } : {}),
    };
    await writeJsonAtomic(this.tmpDir, join(state.dir, "bucket.json"), info);
    state.info = info;
  }

  /** The folder where multipart.ts keeps a bucket's uploads. */
  uploadsDir(bucket: string): string {
    return join(this.bucket(bucket).dir, "uploads");
  }

  headObject(bucket: string, key: string): StoredObject {
    return this.entry(bucket, key).object;
  }

  /** The object and a stream of its bytes, or of the inclusive byte range `range`. */
  async readObject(
    bucket: string,
    key: string,
    range?: { start: number; end: number },
  ): Promise<{ object: StoredObject; body: Readable }> {
    // An overwrite may remove the bytes between the lookup and the open: look up again.
    for (let attempt = 1; ; attempt++) {
      const entry = this.entry(bucket, key);
      const path = join(shardOf(this.bucket(bucket).dir, keyHash(key)), entry.blob);
      try {
        const file = await open(path, "r");
        return { object: entry.object, body: file.createReadStream(range ?? {}) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt === 3) throw error;
      }
    }
  }

  /** Streams `body` to disk and makes it the object `key`; nothing is visible if anything fails. */
  async putObject(
    bucket: string,
    key: string,
    body: AsyncIterable<Buffer | string>,
    attributes: ObjectAttributes,
    options: PutOptions = {},
  ): Promise<StoredObject> {
    this.checkKey(bucket, key);
    const blob = await this.writeTemp(body, options);
    try {
      await options.verify?.(blob);
    } catch (error) {
      await removeQuietly(blob.path);
      throw error;
    }
    return this.commit(
      bucket,
      key,
      blob,
      { etag: quoteEtag(blob.md5), attributes },
      options.precondition,
    );
  }

  /** Copies an object's bytes; without `attributes` the source's metadata comes along. */
  async copyObject(
    from: { bucket: string; key: string },
    to: { bucket: string; key: string },
    attributes?: ObjectAttributes,
  ): Promise<StoredObject> {
    this.checkKey(to.bucket, to.key);
    const source = await this.readObject(from.bucket, from.key);
    const blob = await this.writeTemp(source.body);
    return this.commit(to.bucket, to.key, blob, {
      etag: quoteEtag(blob.md5),
      attributes: attributes ?? attributesOf(source.object),
    });
  }

  /** Removes the object; undefined (and nothing done) when there was none. */
  async deleteObject(
    bucket: string,
    key: string,
  ): Promise<{ object: StoredObject; sequencer: string } | undefined> {
    this.bucket(bucket);
    return this.locks.run(`${bucket}/${key}`, async () => {
      const state = this.bucket(bucket);
      const entry = state.objects.get(key);
      if (!entry) return undefined;
      const hash = keyHash(key);
      const shard = shardOf(state.dir, hash);
      await rm(join(shard, `${hash}.json`), { force: true });
      await syncDir(shard);
      state.objects.delete(key);
      state.keys.remove(key);
      await removeQuietly(join(shard, entry.blob));
      return { object: entry.object, sequencer: this.nextSequencer() };
    });
  }

  listObjects(bucket: string, query: ListQuery): ObjectPage {
    const state = this.bucket(bucket);
    const page = listKeys(state.keys, query);
    const objects = page.keys.flatMap((key) => {
      const entry = state.objects.get(key);
      return entry ? [entry.object] : [];
    });
    return {
      objects,
      commonPrefixes: page.commonPrefixes,
      isTruncated: page.isTruncated,
      last: page.last,
    };
  }

  /** Streams bytes to a temp file in the store (for multipart parts and objects). */
  writeTemp(body: AsyncIterable<Buffer | string>, options: BlobOptions = {}): Promise<WrittenBlob> {
    return writeBlob(this.tmpDir, body, options);
  }

  /** Makes a finished temp file the object `key` (the atomic step of every write). */
  async commit(
    bucket: string,
    key: string,
    blob: WrittenBlob,
    fields: { etag: string; attributes: ObjectAttributes; partsCount?: number },
    precondition?: WritePrecondition,
  ): Promise<StoredObject> {
    try {
      return await this.locks.run(`${bucket}/${key}`, async () => {
        const state = this.bucket(bucket);
        const previous = state.objects.get(key);
        checkPrecondition(key, previous?.object, precondition);
        const hash = keyHash(key);
        const shard = shardOf(state.dir, hash);
        const object: StoredObject = {
          key,
          size: blob.size,
          etag: fields.etag,
          lastModified: this.timestamp(),
          sequencer: this.nextSequencer(),
          ...(fields.partsCount ? { partsCount: fields.partsCount } : {}),
          ...fields.attributes,
        };
        const entry: Entry = { object, blob: `${hash}.${randomUUID()}.data` };
        await moveInto(blob.path, join(shard, entry.blob));
        try {
          await writeJsonAtomic(this.tmpDir, join(shard, `${hash}.json`), {
            ...object,
            blob: entry.blob,
          });
        } catch (error) {
          await removeQuietly(join(shard, entry.blob));
          throw error;
        }
        state.objects.set(key, entry);
        state.keys.insert(key);
        if (previous) await removeQuietly(join(shard, previous.blob));
        return object;
      });
    } finally {
      await removeQuietly(blob.path);
    }
  }

  /** Throws NoSuchBucket or KeyTooLongError before any byte is read. */
  checkKey(bucket: string, key: string): void {
    this.bucket(bucket);
    const size = Buffer.byteLength(key);
    if (size > 1024) throw keyTooLong(size);
  }

  private bucket(name: string): BucketState {
    const state = this.buckets.get(name);
    if (!state) throw noSuchBucket(name);
    return state;
  }

  private entry(bucket: string, key: string): Entry {
    const entry = this.bucket(bucket).objects.get(key);
    if (!entry) throw noSuchKey(key);
    return entry;
  }

  /** Now, to the second, as S3 records object and upload times. */
  timestamp(): string {
    return new Date(Math.floor(this.clock().getTime() / 1000) * 1000).toISOString();
  }

  /** Time-based so it keeps growing across restarts, and never repeats within one process. */
  private nextSequencer(): string {
    const fromClock = BigInt(this.clock().getTime()) << 20n;
    this.lastSequencer = fromClock > this.lastSequencer ? fromClock : this.lastSequencer + 1n;
    return this.lastSequencer.toString(16).toUpperCase().padStart(18, "0");
  }
}
