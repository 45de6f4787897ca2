import * as buckets from "./bucket-api.ts";
import { header, type S3Call } from "./call.ts";
import type { S3Deps } from "./deps.ts";
import { methodNotAllowed, notImplemented } from "./error-codes.ts";
import * as multipart from "./multipart-api.ts";
import * as objects from "./object-api.ts";
import { postObject } from "./post-object.ts";

/** Which S3 operation a request is: method, bucket or object, and S3's subresource parameters. */

export interface Operation {
  name: string;
  /** "sigv4": header or presigned signature; "post-policy": the form's policy (checked later). */
  auth: "sigv4" | "post-policy";
  run: (deps: S3Deps, call: S3Call) => Promise<void> | void;
}

// Query parameters that select another operation (S3's subresources); any other parameter is
// an argument. The ones not listed in the routes below are answered with NotImplemented.
const SUBRESOURCES = (
  "accelerate acl analytics attributes cors delete encryption intelligent-tiering inventory " +
  "legal-hold lifecycle location logging metadataTable metrics notification object-lock " +
  "ownershipControls policy policyStatus publicAccessBlock replication requestPayment restore " +
  "retention select session tagging torrent uploadId uploads versioning versions website"
).split(" ");

const NAMED: Record<string, string> = {
  "GET bucket uploads": "ListMultipartUploads",
  "GET bucket versions": "ListObjectVersions",
  "POST object restore": "RestoreObject",
  "POST object select": "SelectObjectContent",
};

const pascal = (name: string) => name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
const verbs: Record<string, string> = {
  GET: "Get",
  PUT: "Put",
  DELETE: "Delete",
  POST: "Post",
  HEAD: "Head",
};

/** An operation S3 has and this emulator does not: authenticated, then NotImplemented. */
const unsupported = (name: string): Operation => ({
  name,
  auth: "sigv4",
  run: () => Promise.reject(notImplemented(name)),
});

const subresourceOperation = (method: string, level: "bucket" | "object", subresource: string) =>
  unsupported(
    NAMED[`${method} ${level} ${subresource}`] ??
      `${verbs[method]}${level === "bucket" ? "Bucket" : "Object"}${pascal(subresource)}`,
  );

const op = (name: string, run: Operation["run"]): Operation => ({ name, auth: "sigv4", run });

export function route(method: string, call: S3Call): Operation {
  const sub = SUBRESOURCES.find((name) => call.query.has(name));
  const refuse = (type: "SERVICE" | "BUCKET" | "OBJECT") =>
    op("MethodNotAllowed", () => Promise.reject(methodNotAllowed(method, type)));

  if (call.bucket === "")
    return method === "GET" ? op("ListBuckets", buckets.listBuckets) : refuse("SERVICE");

  if (call.key === "") {
    switch (`${method} ${sub ?? ""}`) {
      case "GET ":
        return call.query.get("list-type") === "2"
          ? op("ListObjectsV2", (d, c) => buckets.listObjects(d, c, 2))
          : op("ListObjects", (d, c) => buckets.listObjects(d, c, 1));
      case "GET location":
        return op("GetBucketLocation", buckets.getBucketLocation);
      case "GET cors":
        return op("GetBucketCors", buckets.getBucketCors);
      case "PUT cors":
        return op("PutBucketCors", buckets.putBucketCors);
      case "DELETE cors":
        return op("DeleteBucketCors", buckets.deleteBucketCors);
      case "PUT ":
        return op("CreateBucket", buckets.createBucket);
      case "HEAD ":
        return op("HeadBucket", buckets.headBucket);
      case "DELETE ":
        return op("DeleteBucket", buckets.deleteBucket);
      case "POST delete":
        return op("DeleteObjects", buckets.deleteObjects);
      case "POST ":
        return { name: "PostObject", auth: "post-policy", run: postObject };
    }
    if (sub && verbs[method]) return subresourceOperation(method, "bucket", sub);
    return refuse("BUCKET");
  }

  const copy = header(call.req, "x-amz-copy-source") !== undefined;
  switch (`${method} ${sub ?? ""}`) {
    case "GET ":
      return op("GetObject", (d, c) => objects.getObject(d, c, false));
    case "HEAD ":
      return op("HeadObject", (d, c) => objects.getObject(d, c, true));
    case "PUT ":
      if (call.query.has("partNumber")) break;
      return copy ? op("CopyObject", objects.copyObject) : op("PutObject", objects.putObject);
    case "DELETE ":
      return op("DeleteObject", objects.deleteObject);
    case "POST uploads":
      return op("CreateMultipartUpload", multipart.createMultipartUpload);
    case "PUT uploadId":
      if (copy) return unsupported("UploadPartCopy");
      return op("UploadPart", multipart.uploadPart);
    case "GET uploadId":
      return op("ListParts", multipart.listParts);
    case "POST uploadId":
      return op("CompleteMultipartUpload", multipart.completeMultipartUpload);
    case "DELETE uploadId":
      return op("AbortMultipartUpload", multipart.abortMultipartUpload);
  }
  if (sub && verbs[method]) return subresourceOperation(method, "object", sub);
  return refuse("OBJECT");
}
