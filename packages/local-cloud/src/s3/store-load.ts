import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readJson, removeQuietly } from "./files.ts";
import { SortedKeys } from "./listing.ts";
import type { BucketInfo, StoredObject } from "./object-model.ts";

/** Reading a bucket back from disk when the store opens, and clearing what a crash left behind. */

export interface Entry {
  object: StoredObject;
  /** File name of the bytes, in the same folder as the metadata. */
  blob: string;
}

export interface BucketState {
  info: BucketInfo;
  dir: string;
  objects: Map<string, Entry>;
  keys: SortedKeys;
}

/** The bucket in `dir` and the largest sequencer it holds; undefined if it was never committed. */
export async function loadBucket(
  dir: string,
): Promise<{ state: BucketState; sequencer: bigint } | undefined> {
  const info = await readJson<BucketInfo>(join(dir, "bucket.json"));
  if (!info) return undefined;
  const objects = new Map<string, Entry>();
  let sequencer = 0n;
  const shards = await readdir(join(dir, "objects")).catch(() => []);
  for (const shard of shards) {
    const folder = join(dir, "objects", shard);
    const files = await readdir(folder);
    const records = await Promise.all(
      files
        .filter((f) => f.endsWith(".json"))
        .map((f) => readJson<StoredObject & Entry>(join(folder, f))),
    );
    const referenced = new Set<string>();
    for (const record of records) {
      if (!record) continue;
      const { blob, ...object } = record;
      objects.set(object.key, { object, blob });
      referenced.add(blob);
      const value = BigInt(`0x${object.sequencer}`);
      if (value > sequencer) sequencer = value;
    }
    // Bytes no metadata points to were cut off by a crash mid-write: they were never visible.
    const orphans = files.filter((f) => f.endsWith(".data") && !referenced.has(f));
    await Promise.all(orphans.map((f) => removeQuietly(join(folder, f))));
  }
  const keys = new SortedKeys();
  keys.load(objects.keys());
  return { state: { info, dir, objects, keys }, sequencer };
}
