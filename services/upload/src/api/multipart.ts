import {
  type ApiRequest,
  badRequest,
  empty,
  type FieldError,
  HttpProblem,
  json,
  jsonBody,
  notFound,
  principalOf,
  validate,
} from "@platform/http-api";
import { type FileRecord, multipartAborted, multipartStarted } from "../files.ts";
import { applyChange } from "../lifecycle.ts";
import type { Ports } from "../ports.ts";
import { ownedFile } from "./access.ts";
import { conflict } from "./problems.ts";
import type { RouteHandler } from "./router.ts";
import {
  CompleteMultipart,
  DEFAULT_EXPIRES_IN,
  FileIdParams,
  MultipartParams,
  PartParams,
  PartQuery,
} from "./schemas.ts";

/**
 * Multipart uploads straight to S3, in the shape @uppy/aws-s3's callbacks expect. The file is
 * recorded first (POST /uploads); these routes only ever touch the upload the file's row names.
 */

/** How long a file may take to arrive once its multipart upload starts: large uploads are slow. */
export const MULTIPART_WINDOW_SECONDS = 24 * 3600;

/** Why a new multipart upload may not start for this file, or undefined when it may. */
function notStartable(file: FileRecord, now: Date): string | undefined {
  if (file.status !== "pending") return `file ${file.fileId} is ${file.status}`;
  if (now.getTime() >= Date.parse(file.uploadExpiresAt))
    return `the upload window of file ${file.fileId} closed at ${file.uploadExpiresAt}; record the file again`;
  return undefined;
}

/** The caller's file, if `uploadId` is its multipart upload; 404 otherwise, before any S3 call. */
async function uploadOf(req: ApiRequest, ports: Ports, fileId: string, uploadId: string) {
  const file = await ownedFile(ports, principalOf(req), fileId);
  if (file.multipartUploadId !== uploadId)
    throw notFound(`file ${fileId} has no multipart upload ${uploadId}`);
  return file;
}

function pendingOnly(file: FileRecord) {
  if (file.status !== "pending") throw conflict(`file ${file.fileId} is ${file.status}`);
}

const partProblem = (slug: string, title: string, detail: string, errors: FieldError[] = []) =>
  new HttpProblem(400, slug, title, detail, errors);

/** The S3 refusals a client can cause, as problems that say what to fix instead of a 500. */
const S3_PROBLEMS: Record<string, (uploadId: string) => HttpProblem> = {
  NoSuchUpload: (id) => notFound(`multipart upload ${id} no longer exists (aborted or completed)`),
  InvalidPart: () =>
    partProblem(
      "invalid-part",
      "A part does not match what was uploaded",
      "a listed part was not uploaded, or its ETag is not the one S3 returned for it",
    ),
  InvalidPartOrder: () =>
    partProblem(
      "invalid-part-order",
      "Parts out of order",
      "list the parts in ascending PartNumber order, each once",
    ),
  EntityTooSmall: () =>
    partProblem(
      "part-too-small",
      "A part is too small",
      "every part but the last must be at least 5 MiB",
    ),
};

async function s3<T>(uploadId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const known = S3_PROBLEMS[(error as { name?: string }).name ?? ""];
    if (known) throw known(uploadId);
    throw error;
  }
}

/** POST /uploads/{fileId}/multipart: starts the upload, or answers the one already started. */
async function startMultipart(req: ApiRequest, ports: Ports) {
  const { fileId } = validate(FileIdParams, req.params, "path");
  const file = await ownedFile(ports, principalOf(req), fileId);
  if (file.status === "pending" && file.multipartUploadId)
    return json(200, { uploadId: file.multipartUploadId, key: file.key });
  const refusal = notStartable(file, ports.now());
  if (refusal) throw conflict(refusal);

  const uploadId = await ports.storage.createMultipart(file.key, file.contentType);
  const at = ports.now().toISOString();
  const result = await applyChange(ports, fileId, (current) =>
    multipartStarted(current, uploadId, at, MULTIPART_WINDOW_SECONDS),
  );
  const recorded = result?.file;
  if (recorded?.multipartUploadId !== uploadId) {
    // A concurrent start won, or the file moved on: ours is never used, so it must not linger.
    await ports.storage.abortMultipart(file.key, uploadId).catch(() => {});
    if (recorded?.status === "pending" && recorded.multipartUploadId)
      return json(200, { uploadId: recorded.multipartUploadId, key: recorded.key });
    throw conflict(
      (recorded && notStartable(recorded, ports.now())) ?? `file ${fileId} changed; try again`,
    );
  }
  return json(200, { uploadId, key: file.key });
}

/** S3's smallest part, for every part but the last. */
const MIN_PART_BYTES = 5 * 1024 * 1024;

/** The most parts an upload of `size` bytes can need, so no more part URLs are ever signed. */
const maxPartsFor = (size: number) => Math.max(1, Math.ceil(size / MIN_PART_BYTES));

/** A part the file can hold: numbered within what its size needs, and no bigger than the file. */
function checkPart(file: FileRecord, partNumber: number, size: number | undefined) {
  const maxParts = maxPartsFor(file.size);
  if (partNumber > maxParts)
    throw badRequest(
      `a file of ${file.size} bytes needs at most ${maxParts} part${maxParts === 1 ? "" : "s"} (every part but the last is at least 5 MiB)`,
      [{ in: "path", name: "partNumber", detail: `at most ${maxParts} for this file` }],
    );
  if (size !== undefined && size > file.size)
    throw badRequest(`a part of ${size} bytes is larger than the file's declared ${file.size}`, [
      { in: "query", name: "size", detail: `at most ${file.size} for this file` },
    ]);
}

/**
 * GET .../parts/{partNumber}: a short-lived PUT URL for one part; with ?size=, S3 takes only a
 * part of exactly that length.
 */
async function signPart(req: ApiRequest, ports: Ports) {
  const { fileId, uploadId, partNumber } = validate(PartParams, req.params, "path");
  const { size } = validate(PartQuery, req.query, "query");
  const file = await uploadOf(req, ports, fileId, uploadId);
  pendingOnly(file);
  checkPart(file, partNumber, size);
  const url = await ports.storage.presignPart(
    file.key,
    uploadId,
    partNumber,
    DEFAULT_EXPIRES_IN,
    size,
  );
  const expiresAt = new Date(ports.now().getTime() + DEFAULT_EXPIRES_IN * 1000).toISOString();
  return json(200, { url, expiresAt });
}

/** GET .../{uploadId}: the parts S3 holds so far, so a client can resume where it stopped. */
async function listParts(req: ApiRequest, ports: Ports) {
  const { fileId, uploadId } = validate(MultipartParams, req.params, "path");
  const file = await uploadOf(req, ports, fileId, uploadId);
  const parts = await s3(uploadId, () => ports.storage.listParts(file.key, uploadId));
  return json(200, { parts });
}

const bareEtag = (etag: string) => etag.trim().replaceAll('"', "");

/**
 * Checks the parts to join against what S3 holds: each uploaded with that ETag, in ascending
 * order, and together exactly the declared size (else nothing is completed).
 */
function checkParts(
  file: FileRecord,
  requested: { PartNumber: number; ETag: string }[],
  uploaded: { PartNumber: number; ETag: string; Size: number }[],
) {
  const held = new Map(uploaded.map((part) => [part.PartNumber, part]));
  const misordered = requested.findIndex(
    (part, i) => i > 0 && part.PartNumber <= (requested[i - 1]?.PartNumber ?? 0),
  );
  if (misordered >= 0)
    throw partProblem(
      "invalid-part-order",
      "Parts out of order",
      "list the parts in ascending PartNumber order, each once",
      [{ in: "body", name: `parts.${misordered}.PartNumber`, detail: "not after the one before" }],
    );
  const errors: FieldError[] = requested.flatMap((part, i): FieldError[] => {
    const stored = held.get(part.PartNumber);
    if (!stored)
      return [{ in: "body", name: `parts.${i}.PartNumber`, detail: "no such part was uploaded" }];
    if (bareEtag(stored.ETag) !== bareEtag(part.ETag))
      return [{ in: "body", name: `parts.${i}.ETag`, detail: "not the ETag S3 returned" }];
    return [];
  });
  if (errors.length > 0)
    throw partProblem(
      "invalid-part",
      "A part does not match what was uploaded",
      `${errors.length} listed part${errors.length === 1 ? " does" : "s do"} not match the uploaded parts`,
      errors,
    );
  const total = requested.reduce((sum, part) => sum + (held.get(part.PartNumber)?.Size ?? 0), 0);
  if (total !== file.size)
    throw partProblem(
      "size-mismatch",
      "The parts do not add up to the declared size",
      `declared ${file.size} bytes; the listed parts hold ${total}`,
      [{ in: "body", name: "parts", detail: `must add up to ${file.size} bytes` }],
    );
}

/** POST .../complete: joins the parts; S3's Object Created then marks the file uploaded. */
async function completeMultipart(req: ApiRequest, ports: Ports) {
  const { fileId, uploadId } = validate(MultipartParams, req.params, "path");
  const { parts } = validate(CompleteMultipart, jsonBody(req), "body");
  const file = await uploadOf(req, ports, fileId, uploadId);
  pendingOnly(file);
  const uploaded = await s3(uploadId, () => ports.storage.listParts(file.key, uploadId));
  checkParts(file, parts, uploaded);
  const location = await s3(uploadId, () =>
    ports.storage.completeMultipart(file.key, uploadId, parts),
  );
  return json(200, { location });
}

/**
 * DELETE .../{uploadId}: aborts the upload. The file stays pending without an upload: the client
 * may start another within the file's window, and the sweep expires the file if none arrives.
 */
async function abortMultipart(req: ApiRequest, ports: Ports) {
  const { fileId, uploadId } = validate(MultipartParams, req.params, "path");
  const file = await uploadOf(req, ports, fileId, uploadId);
  // Already gone at S3 (an abort whose answer was lost): forget it all the same.
  await s3(uploadId, () => ports.storage.abortMultipart(file.key, uploadId)).catch((error) => {
    if (!(error instanceof HttpProblem && error.status === 404)) throw error;
  });
  const at = ports.now().toISOString();
  await applyChange(ports, fileId, (current) => multipartAborted(current, uploadId, at));
  return empty(204);
}

export const routes: Record<string, RouteHandler> = {
  "POST /uploads/{fileId}/multipart": startMultipart,
  "GET /uploads/{fileId}/multipart/{uploadId}": listParts,
  "GET /uploads/{fileId}/multipart/{uploadId}/parts/{partNumber}": signPart,
  "POST /uploads/{fileId}/multipart/{uploadId}/complete": completeMultipart,
  "DELETE /uploads/{fileId}/multipart/{uploadId}": abortMultipart,
};
