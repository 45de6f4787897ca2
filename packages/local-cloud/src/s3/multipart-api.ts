import { canonicalIdXml } from "./bucket-api.ts";
import {
  bodyChecks,
  bodyOf,
  checkDeclaredLength,
  header,
  integerParam,
  readSmallBody,
  type S3Call,
  sendEmpty,
  sendXml,
} from "./call.ts";
import { emitCreated, type S3Deps } from "./deps.ts";
import { invalidArgument, malformedXml } from "./error-codes.ts";
import { attributesFromHeaders } from "./object-headers.ts";
import { uriEncode } from "./sigv4.ts";
import { children, el, node, parseXml, text, xmlDocument } from "./xml.ts";

/** The multipart upload operations, over multipart.ts. */

const target = (call: S3Call) => ({
  bucket: call.bucket,
  key: call.key,
  uploadId: call.query.get("uploadId") ?? "",
});

/** Where S3 says the object lives, path-style on the endpoint the client used. */
export const objectUrl = (call: S3Call) =>
  `http://${header(call.req, "host") ?? "127.0.0.1"}/${call.bucket}/${uriEncode(Buffer.from(call.key), true)}`;

export async function createMultipartUpload(deps: S3Deps, call: S3Call): Promise<void> {
  const upload = await deps.uploads.create(call.bucket, call.key, attributesFromHeaders(call.req));
  const body = xmlDocument(
    "InitiateMultipartUploadResult",
    el("Bucket", call.bucket),
    el("Key", call.key),
    el("UploadId", upload.uploadId),
  );
  sendXml(call, 200, body, { "x-amz-server-side-encryption": "AES256" });
}

export async function uploadPart(deps: S3Deps, call: S3Call): Promise<void> {
  const raw = call.query.get("partNumber") ?? "";
  if (!/^\d{1,5}$/.test(raw)) {
    throw invalidArgument(
      "Part number must be an integer between 1 and 10000, inclusive",
      "partNumber",
      raw,
    );
  }
  checkDeclaredLength(call);
  const checks = bodyChecks(call, deps.sha256Mismatch);
  const part = await deps.uploads.uploadPart(target(call), Number(raw), bodyOf(call, deps.decode), {
    observe: checks.observe,
    verify: checks.verify,
  });
  const checksum = checks.checksum;
  sendEmpty(call, 200, {
    etag: part.etag,
    "x-amz-server-side-encryption": "AES256",
    ...(checksum ? { [`x-amz-checksum-${checksum.algorithm.toLowerCase()}`]: checksum.value } : {}),
  });
}

export async function listParts(deps: S3Deps, call: S3Call): Promise<void> {
  const maxParts = integerParam(call, "max-parts", 1000, 1000);
  const marker = integerParam(call, "part-number-marker", 0);
  const page = await deps.uploads.listParts(target(call), { maxParts, partNumberMarker: marker });
  const id = canonicalIdXml(deps);
  const body = xmlDocument(
    "ListPartsResult",
    el("Bucket", call.bucket),
    el("Key", call.key),
    el("UploadId", page.upload.uploadId),
    node("Initiator", id),
    node("Owner", id),
    el("StorageClass", "STANDARD"),
    el("PartNumberMarker", marker),
    el("NextPartNumberMarker", page.nextPartNumberMarker),
    el("MaxParts", maxParts),
    el("IsTruncated", page.isTruncated),
    ...page.parts.map((p) =>
      node(
        "Part",
        el("PartNumber", p.partNumber),
        el("LastModified", p.lastModified),
        el("ETag", p.etag),
        el("Size", p.size),
      ),
    ),
  );
  sendXml(call, 200, body);
}

export async function completeMultipartUpload(deps: S3Deps, call: S3Call): Promise<void> {
  deps.store.checkKey(call.bucket, call.key);
  const xml = await readSmallBody(call, {
    decode: deps.decode,
    sha256Mismatch: deps.sha256Mismatch,
  });
  const [request] = children(parseXml(xml), "CompleteMultipartUpload");
  const parts = children(request, "Part").map((part) => {
    const number = text(part, "PartNumber")?.trim() ?? "";
    const etag = text(part, "ETag");
    if (!/^\d+$/.test(number) || etag === undefined) throw malformedXml();
    return { partNumber: Number(number), etag };
  });
  const object = await deps.uploads.complete(target(call), parts);
  emitCreated(deps, call, call.bucket, object, "CompleteMultipartUpload");
  const body = xmlDocument(
    "CompleteMultipartUploadResult",
    el("Location", objectUrl(call)),
    el("Bucket", call.bucket),
    el("Key", call.key),
    el("ETag", object.etag),
  );
  sendXml(call, 200, body, { "x-amz-server-side-encryption": "AES256" });
}

export async function abortMultipartUpload(deps: S3Deps, call: S3Call): Promise<void> {
  await deps.uploads.abort(target(call));
  sendEmpty(call, 204);
}
