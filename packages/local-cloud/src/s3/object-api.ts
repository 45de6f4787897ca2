import { pipeline } from "node:stream/promises";
import {
  bodyChecks,
  bodyOf,
  checkDeclaredLength,
  header,
  type S3Call,
  sendEmpty,
  sendXml,
} from "./call.ts";
import type { S3Deps } from "./deps.ts";
import { emitCreated, emitDeleted } from "./deps.ts";
import { invalidArgument, notImplemented } from "./error-codes.ts";
import { S3Error } from "./errors.ts";
import { MAX_OBJECT_SIZE } from "./files.ts";
import {
  attributesFromHeaders,
  checkConditions,
  objectHeaders,
  parseRange,
} from "./object-headers.ts";
import { percentDecode } from "./sigv4.ts";
import { el, xmlDocument } from "./xml.ts";

/** The object operations: PutObject, GetObject, HeadObject, CopyObject, DeleteObject. */

export async function putObject(deps: S3Deps, call: S3Call): Promise<void> {
  const { bucket, key, req } = call;
  deps.store.checkKey(bucket, key);
  checkDeclaredLength(call);
  const ifNoneMatch = header(req, "if-none-match");
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== "*")
    throw notImplemented("If-None-Match other than *");
  const checks = bodyChecks(call, deps.sha256Mismatch);
  const attributes = {
    ...attributesFromHeaders(req),
    ...(checks.checksum ? { checksum: checks.checksum } : {}),
  };
  const object = await deps.store.putObject(bucket, key, bodyOf(call, deps.decode), attributes, {
    observe: checks.observe,
    verify: checks.verify,
    precondition: { ifNoneMatch, ifMatch: header(req, "if-match") },
  });
  emitCreated(deps, call, bucket, object, "PutObject");
  sendEmpty(call, 200, {
    etag: object.etag,
    "x-amz-server-side-encryption": "AES256",
    ...(checks.checksum
      ? { [`x-amz-checksum-${checks.checksum.algorithm.toLowerCase()}`]: checks.checksum.value }
      : {}),
  });
}

/** GetObject and HeadObject: conditions, Range, response-* overrides; HEAD sends no body. */
export async function getObject(deps: S3Deps, call: S3Call, head: boolean): Promise<void> {
  const { bucket, key, req, query } = call;
  if (query.has("partNumber"))
    throw notImplemented(`${head ? "HeadObject" : "GetObject"} with partNumber`);
  const current = deps.store.headObject(bucket, key);
  const withChecksum = header(req, "x-amz-checksum-mode")?.toUpperCase() === "ENABLED";
  if (checkConditions(req, current) === "not-modified") {
    return sendEmpty(call, 304, {
      etag: current.etag,
      "last-modified": objectHeaders(current, false)["last-modified"] ?? "",
    });
  }
  const range = parseRange(header(req, "range"), current.size);
  const headers = objectHeaders(current, withChecksum && !range);
  for (const name of [
    "content-type",
    "content-language",
    "expires",
    "cache-control",
    "content-disposition",
    "content-encoding",
  ]) {
    const override = query.get(`response-${name}`);
    if (override !== undefined) headers[name] = override;
  }
  const length = range ? range.end - range.start + 1 : current.size;
  headers["content-length"] = String(length);
  if (range) headers["content-range"] = `bytes ${range.start}-${range.end}/${current.size}`;
  const status = range ? 206 : 200;
  if (head) return sendEmpty(call, status, headers);
  const { body } = await deps.store.readObject(bucket, key, range);
  call.res.writeHead(status, headers);
  await pipeline(body, call.res);
}

export async function copyObject(deps: S3Deps, call: S3Call): Promise<void> {
  const { bucket, key, req } = call;
  const source = parseCopySource(header(req, "x-amz-copy-source") ?? "");
  deps.store.checkKey(bucket, key);
  const directive = (header(req, "x-amz-metadata-directive") ?? "COPY").toUpperCase();
  if (directive !== "COPY" && directive !== "REPLACE") {
    throw invalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", directive);
  }
  const original = deps.store.headObject(source.bucket, source.key);
  checkConditions(req, original, "x-amz-copy-source-");
  if (source.bucket === bucket && source.key === key && directive === "COPY") {
    throw new S3Error(
      "InvalidRequest",
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      400,
    );
  }
  if (original.size > MAX_OBJECT_SIZE) {
    throw new S3Error(
      "InvalidRequest",
      `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_OBJECT_SIZE}`,
      400,
    );
  }
  const attributes = directive === "REPLACE" ? attributesFromHeaders(req) : undefined;
  const object = await deps.store.copyObject(source, { bucket, key }, attributes);
  emitCreated(deps, call, bucket, object, "CopyObject");
  sendXml(
    call,
    200,
    xmlDocument(
      "CopyObjectResult",
      el("LastModified", object.lastModified),
      el("ETag", object.etag),
    ),
    { "x-amz-server-side-encryption": "AES256" },
  );
}

/** `bucket/key` or `/bucket/key`, URL-encoded, optionally with `?versionId=`. */
function parseCopySource(value: string): { bucket: string; key: string } {
  const [path = "", version] = value.split("?versionId=");
  const decoded = percentDecode(path.replace(/^\//, ""))?.toString("utf8") ?? "";
  const slash = decoded.indexOf("/");
  if (slash <= 0 || slash === decoded.length - 1) {
    throw invalidArgument(
      "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
      "x-amz-copy-source",
      value,
    );
  }
  if (version !== undefined && version !== "null")
    throw notImplemented("CopyObject from an object version");
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

export async function deleteObject(deps: S3Deps, call: S3Call): Promise<void> {
  const deleted = await deps.store.deleteObject(call.bucket, call.key);
  if (deleted) emitDeleted(deps, call, call.bucket, call.key, deleted.sequencer);
  sendEmpty(call, 204);
}
