import { createHash } from "node:crypto";
import { integerParam, readSmallBody, type S3Call, sendEmpty, sendXml } from "./call.ts";
import { corsFromXml, corsToXml } from "./cors.ts";
import { emitDeleted, type S3Deps } from "./deps.ts";
import { bucketAlreadyOwnedByYou, invalidArgument, malformedXml } from "./error-codes.ts";
import { S3Error } from "./errors.ts";
import type { StoredObject } from "./object-model.ts";
import { children, el, node, parseXml, text, xmlDocument } from "./xml.ts";

/** Bucket operations: ListBuckets, Create/Head/DeleteBucket, ListObjects(V2), DeleteObjects, CORS. */

/** The account's canonical user ID, as S3 shows it in Owner (and Initiator) elements. */
export const canonicalIdXml = (deps: S3Deps) =>
  el("ID", createHash("sha256").update(deps.accountId).digest("hex"));
const ownerXml = (deps: S3Deps) => node("Owner", canonicalIdXml(deps));

const tools = (deps: S3Deps) => ({ decode: deps.decode, sha256Mismatch: deps.sha256Mismatch });

export function listBuckets(deps: S3Deps, call: S3Call): void {
  const prefix = call.query.get("prefix") ?? "";
  const buckets = deps.store.listBuckets().filter((b) => b.name.startsWith(prefix));
  const body = xmlDocument(
    "ListAllMyBucketsResult",
    ownerXml(deps),
    node(
      "Buckets",
      ...buckets.map((b) =>
        node(
          "Bucket",
          el("Name", b.name),
          el("CreationDate", b.creationDate),
          el("BucketRegion", deps.region),
        ),
      ),
    ),
    el("Prefix", call.query.has("prefix") ? prefix : undefined),
  );
  sendXml(call, 200, body);
}

export async function createBucket(deps: S3Deps, call: S3Call): Promise<void> {
  await readSmallBody(call, tools(deps)); // CreateBucketConfiguration: one region here, nothing to keep
  try {
    await deps.store.createBucket(call.bucket);
  } catch (error) {
    // us-east-1 keeps its legacy answer: re-creating a bucket you own succeeds.
    const owned = error instanceof S3Error && error.code === bucketAlreadyOwnedByYou("").code;
    if (!owned || deps.region !== "us-east-1") throw error;
  }
  sendEmpty(call, 200, { location: `/${call.bucket}` });
}

export function headBucket(deps: S3Deps, call: S3Call): void {
  deps.store.getBucket(call.bucket);
  sendEmpty(call, 200, { "x-amz-bucket-region": deps.region, "x-amz-access-point-alias": "false" });
}

export async function deleteBucket(deps: S3Deps, call: S3Call): Promise<void> {
  await deps.store.deleteBucket(call.bucket);
  sendEmpty(call, 204);
}

export function getBucketLocation(deps: S3Deps, call: S3Call): void {
  deps.store.getBucket(call.bucket);
  // us-east-1 is the empty location constraint.
  const region = deps.region === "us-east-1" ? "" : deps.region;
  sendXml(call, 200, xmlDocument("LocationConstraint", region));
}

/** encoding-type=url: S3 encodes like a form (space as +), keeping `/` readable. */
const urlEncode = (value: string) =>
  encodeURIComponent(value).replaceAll("%20", "+").replaceAll("%2F", "/");

const contentsXml = (object: StoredObject, encode: (v: string) => string, owner: string) =>
  node(
    "Contents",
    el("Key", encode(object.key)),
    el("LastModified", object.lastModified),
    el("ETag", object.etag),
    el("ChecksumAlgorithm", object.checksum?.algorithm),
    el("Size", object.size),
    owner,
    el("StorageClass", "STANDARD"),
  );

/** ListObjectsV2 (list-type=2) and the original ListObjects, which pages with markers. */
export function listObjects(deps: S3Deps, call: S3Call, version: 1 | 2): void {
  const { query } = call;
  const encodingType = query.get("encoding-type");
  if (encodingType !== undefined && encodingType !== "url") {
    throw invalidArgument(
      "Invalid Encoding Method specified in Request",
      "encoding-type",
      encodingType,
    );
  }
  const encode = encodingType ? urlEncode : (v: string) => v;
  const optional = (v: string | undefined) => (v === undefined ? undefined : encode(v));
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const maxKeys = integerParam(call, "max-keys", 1000, 1000);
  const token = query.get("continuation-token");
  const after =
    version === 2
      ? token !== undefined
        ? decodeToken(token)
        : query.get("start-after")
      : query.get("marker");
  const page = deps.store.listObjects(call.bucket, { prefix, delimiter, maxKeys, after });
  const owner = version === 1 || query.get("fetch-owner") === "true" ? ownerXml(deps) : "";
  const entries = [
    ...page.objects.map((o) => contentsXml(o, encode, owner)),
    ...page.commonPrefixes.map((p) => node("CommonPrefixes", el("Prefix", encode(p)))),
  ];
  const head =
    version === 2
      ? [
          el("ContinuationToken", token),
          el(
            "NextContinuationToken",
            page.isTruncated && page.last ? encodeToken(page.last) : undefined,
          ),
          el("KeyCount", page.objects.length + page.commonPrefixes.length),
          el("StartAfter", optional(query.get("start-after"))),
        ]
      : [
          el("Marker", optional(query.get("marker")) ?? ""),
          // Without a delimiter a client resumes from the last key it got; S3 names it only with one.
          el("NextMarker", delimiter && page.isTruncated ? optional(page.last) : undefined),
        ];
  const body = xmlDocument(
    "ListBucketResult",
    el("Name", call.bucket),
    el("Prefix", encode(prefix)),
    ...head,
    el("MaxKeys", maxKeys),
    el("Delimiter", delimiter ? encode(delimiter) : undefined),
    el("IsTruncated", page.isTruncated),
    el("EncodingType", encodingType),
    ...entries,
  );
  sendXml(call, 200, body);
}

// Continuation tokens are opaque to clients: the last entry listed, base64-encoded and tagged.
const encodeToken = (last: string) => Buffer.from(`v1:${last}`).toString("base64");
function decodeToken(token: string): string {
  const decoded = Buffer.from(token, "base64").toString("utf8");
  if (!decoded.startsWith("v1:")) {
    throw invalidArgument(
      "The continuation token provided is incorrect",
      "continuation-token",
      token,
    );
  }
  return decoded.slice(3);
}

/** DeleteObjects (POST ?delete): up to 1000 keys; missing keys count as deleted, as in S3. */
export async function deleteObjects(deps: S3Deps, call: S3Call): Promise<void> {
  const { req, bucket } = call;
  const hasDigest =
    req.headers["content-md5"] !== undefined ||
    req.headers["x-amz-trailer"] !== undefined ||
    Object.keys(req.headers).some((name) => /^x-amz-checksum-(crc|sha)/.test(name));
  if (!hasDigest) {
    throw new S3Error(
      "InvalidRequest",
      "Missing required header for this request: Content-MD5",
      400,
    );
  }
  deps.store.getBucket(bucket);
  const [request] = children(parseXml(await readSmallBody(call, tools(deps))), "Delete");
  const keys = children(request, "Object").map((o) => text(o, "Key"));
  if (request === undefined || keys.length === 0 || keys.length > 1000) throw malformedXml();
  const quiet = text(request, "Quiet")?.trim().toLowerCase() === "true";
  const results: string[] = [];
  for (const key of keys) {
    if (key === undefined) throw malformedXml();
    try {
      const deleted = await deps.store.deleteObject(bucket, key);
      if (deleted) emitDeleted(deps, call, bucket, key, deleted.sequencer);
      if (!quiet) results.push(node("Deleted", el("Key", key)));
    } catch (error) {
      if (!(error instanceof S3Error)) throw error;
      results.push(
        node("Error", el("Key", key), el("Code", error.code), el("Message", error.message)),
      );
    }
  }
  sendXml(call, 200, xmlDocument("DeleteResult", ...results));
}

export function getBucketCors(deps: S3Deps, call: S3Call): void {
  const rules = deps.store.getBucket(call.bucket).cors;
  if (!rules) {
    throw new S3Error("NoSuchCORSConfiguration", "The CORS configuration does not exist", 404, {
      BucketName: call.bucket,
    });
  }
  sendXml(call, 200, corsToXml(rules));
}

export async function putBucketCors(deps: S3Deps, call: S3Call): Promise<void> {
  deps.store.getBucket(call.bucket);
  const rules = corsFromXml(parseXml(await readSmallBody(call, tools(deps))));
  await deps.store.setBucketCors(call.bucket, rules);
  sendEmpty(call, 200);
}

export async function deleteBucketCors(deps: S3Deps, call: S3Call): Promise<void> {
  await deps.store.setBucketCors(call.bucket, undefined);
  sendEmpty(call, 204);
}
