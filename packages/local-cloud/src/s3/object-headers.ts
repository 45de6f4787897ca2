import type { IncomingMessage } from "node:http";
import { header } from "./call.ts";
import { invalidRange, preconditionFailed } from "./error-codes.ts";
import { S3Error } from "./errors.ts";
import { etagMatches, type ObjectAttributes, type StoredObject } from "./object-model.ts";

/** What S3 reads from and writes to HTTP headers about an object. */

const MAX_METADATA_SIZE = 2048;

/** The attributes a PutObject, CreateMultipartUpload or CopyObject (REPLACE) sets from its headers. */
export function attributesFromHeaders(req: IncomingMessage): ObjectAttributes {
  const metadata: Record<string, string> = {};
  let size = 0;
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith("x-amz-meta-") || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(",") : value;
    metadata[name.slice("x-amz-meta-".length)] = text;
    size += name.length - "x-amz-meta-".length + Buffer.byteLength(text);
  }
  if (size > MAX_METADATA_SIZE) {
    throw new S3Error(
      "MetadataTooLarge",
      "Your metadata headers exceed the maximum allowed metadata size",
      400,
      {
        Size: size,
        MaxSizeAllowed: MAX_METADATA_SIZE,
      },
    );
  }
  // aws-chunked is how the body travelled, not how the object is encoded: S3 does not keep it.
  const encoding = header(req, "content-encoding")
    ?.split(",")
    .map((e) => e.trim())
    .filter((e) => e && e !== "aws-chunked")
    .join(",");
  const optional = {
    cacheControl: header(req, "cache-control"),
    contentDisposition: header(req, "content-disposition"),
    contentEncoding: encoding || undefined,
    contentLanguage: header(req, "content-language"),
    expires: header(req, "expires"),
  };
  return {
    contentType: header(req, "content-type") ?? "binary/octet-stream",
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    metadata,
  };
}

/** Header values must be Latin-1; S3 sends other text RFC 2047-encoded. */
function headerSafe(value: string): string {
  return /[^\t\u0020-\u007e\u0080-\u00ff]/.test(value)
    ? `=?UTF-8?B?${Buffer.from(value).toString("base64")}?=`
    : value;
}

export const httpDate = (iso: string) => new Date(iso).toUTCString();

/** The headers of a GetObject / HeadObject answer. */
export function objectHeaders(object: StoredObject, withChecksum: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    "last-modified": httpDate(object.lastModified),
    etag: object.etag,
    "accept-ranges": "bytes",
    "content-type": object.contentType,
    "x-amz-server-side-encryption": "AES256",
  };
  const optional: [string, string | undefined][] = [
    ["cache-control", object.cacheControl],
    ["content-disposition", object.contentDisposition],
    ["content-encoding", object.contentEncoding],
    ["content-language", object.contentLanguage],
    ["expires", object.expires],
  ];
  for (const [name, value] of optional) if (value !== undefined) headers[name] = headerSafe(value);
  for (const [name, value] of Object.entries(object.metadata))
    headers[`x-amz-meta-${name}`] = headerSafe(value);
  if (withChecksum && object.checksum) {
    headers[`x-amz-checksum-${object.checksum.algorithm.toLowerCase()}`] = object.checksum.value;
  }
  return headers;
}

/**
 * Evaluates If-Match / If-Unmodified-Since (412) and If-None-Match / If-Modified-Since (304) as
 * RFC 7232 orders them. With `prefix` "x-amz-copy-source-" a copy's source conditions, all 412.
 */
export function checkConditions(
  req: IncomingMessage,
  object: StoredObject,
  prefix = "",
): "not-modified" | undefined {
  const get = (name: string) => header(req, `${prefix}${name}`);
  const modified = new Date(object.lastModified).getTime();
  const since = (name: string) => {
    const value = get(name);
    const time = value === undefined ? Number.NaN : Date.parse(value);
    return Number.isNaN(time) ? undefined : time;
  };
  const ifMatch = get("if-match");
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, object.etag)) throw preconditionFailed(`${prefix}If-Match`);
  } else {
    const unmodified = since("if-unmodified-since");
    if (unmodified !== undefined && modified > unmodified)
      throw preconditionFailed(`${prefix}If-Unmodified-Since`);
  }
  const failed = prefix ? (name: string) => preconditionFailed(`${prefix}${name}`) : undefined;
  const ifNoneMatch = get("if-none-match");
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, object.etag)) {
      if (failed) throw failed("If-None-Match");
      return "not-modified";
    }
  } else {
    const modifiedSince = since("if-modified-since");
    if (modifiedSince !== undefined && modified <= modifiedSince) {
      if (failed) throw failed("If-Modified-Since");
      return "not-modified";
    }
  }
  return undefined;
}

/**
 * The inclusive byte range a Range header asks for; undefined for the whole object (no header,
 * or one S3 ignores, such as several ranges). Past the end: InvalidRange.
 */
export function parseRange(
  value: string | undefined,
  size: number,
): { start: number; end: number } | undefined {
  const match = value === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  const [first, last] = [
    match[1] ? Number(match[1]) : undefined,
    match[2] ? Number(match[2]) : undefined,
  ];
  if (first === undefined) {
    if (last === 0 || size === 0) throw invalidRange(value ?? "", size);
    return { start: Math.max(0, size - (last ?? 0)), end: size - 1 };
  }
  if (last !== undefined && last < first) return undefined;
  if (first >= size) throw invalidRange(value ?? "", size);
  return { start: first, end: Math.min(last ?? size - 1, size - 1) };
}
