import type { CorsRule } from "./cors.ts";
import { noSuchKey, preconditionFailed } from "./error-codes.ts";

/** What the store keeps about buckets and objects, and the rules on ETags that go with it. */

export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256";

export interface ObjectAttributes {
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
  /** User metadata (x-amz-meta-*): names lower-cased, without the prefix. */
  metadata: Record<string, string>;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

export interface StoredObject extends ObjectAttributes {
  key: string;
  size: number;
  /** Quoted, as in the ETag header: `"<md5 hex>"` or `"<md5 of part md5s>-<parts>"`. */
  etag: string;
  /** ISO 8601, whole seconds (S3 keeps no finer precision in what it returns). */
  lastModified: string;
  /** Hex; grows with every change of the key (see S3 event notifications). */
  sequencer: string;
  partsCount?: number;
}

export interface BucketInfo {
  name: string;
  creationDate: string;
  cors?: CorsRule[];
}

/** Conditional writes: If-None-Match: * (create only) and If-Match: <etag> (replace that version). */
export interface WritePrecondition {
  ifNoneMatch?: string;
  ifMatch?: string;
}

export const quoteEtag = (md5: Buffer) => `"${md5.toString("hex")}"`;

/** The attributes of a stored object, as a copy with metadata directive COPY takes them. */
export function attributesOf(object: StoredObject): ObjectAttributes {
  const { key, size, etag, lastModified, sequencer, partsCount, checksum, ...attributes } = object;
  return attributes;
}

/** Conditional writes, checked when the write commits (under the key's lock). */
export function checkPrecondition(
  key: string,
  existing: StoredObject | undefined,
  condition?: WritePrecondition,
) {
  if (!condition) return;
  if (condition.ifNoneMatch !== undefined && existing) throw preconditionFailed("If-None-Match");
  if (condition.ifMatch !== undefined) {
    if (!existing) throw noSuchKey(key);
    if (!etagMatches(condition.ifMatch, existing.etag)) throw preconditionFailed("If-Match");
  }
}

/** Compares an If-Match / If-None-Match list (quoted or not, or `*`) with an ETag. */
export function etagMatches(header: string, etag: string): boolean {
  const bare = etag.replaceAll('"', "");
  return header.split(",").some((tag) => {
    const t = tag.trim().replace(/^W\//, "").replaceAll('"', "");
    return t === "*" || t === bare;
  });
}
