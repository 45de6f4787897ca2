import {
  type ApiRequest,
  badRequest,
  empty,
  HttpProblem,
  json,
  notFound,
  principalOf,
  validate,
} from "@platform/http-api";
import { deleted, type FileRecord } from "../files.ts";
import { applyChange } from "../lifecycle.ts";
import type { CallResult, Ports, Storage } from "../ports.ts";
import { ownedFile } from "./access.ts";
import { conflict } from "./problems.ts";
import { ContentQuery, FileIdParams, FileQuery, HistoryQuery, ListFilesQuery } from "./schemas.ts";

/** How long the GET URLs in a file's view and behind /content stay valid. */
export const READ_URL_SECONDS = 300;

/** Where a file's original bytes are now: promoted, or still under tmp/ once uploaded. */
function originalKey(file: FileRecord): string | undefined {
  if (file.original) return file.original.key;
  return file.uploaded && file.status !== "rejected" ? file.key : undefined;
}

const LIVE = new Set(["uploaded", "processing", "ready"]);

/** The public view of a file, with short-lived GET URLs for what can be read. */
export async function fileView(file: FileRecord, storage: Storage) {
  // Nothing is served before the arrival checks passed, even if imaging was quicker.
  const readable = LIVE.has(file.status) && file.uploaded !== undefined;
  const original = readable ? originalKey(file) : undefined;
  return {
    fileId: file.fileId,
    purpose: file.purpose,
    entityId: file.entityId,
    filename: file.filename,
    contentType: file.contentType,
    size: file.size,
    status: file.status,
    progress: file.progress,
    variants: await Promise.all(
      (readable ? file.variants : []).map(async ({ key, ...variant }) => ({
        ...variant,
        url: await storage.presignGet(key, READ_URL_SECONDS),
      })),
    ),
    ...(original
      ? { original: { url: await storage.presignGet(original, READ_URL_SECONDS, file.filename) } }
      : {}),
    ...(file.error ? { error: file.error } : {}),
    createdAt: file.createdAt,
    updatedAt: file.updatedAt,
  };
}

/** A failed call to another service, as the API's caller should see it. */
function unavailable(what: string, failure: Extract<CallResult<unknown>, { ok: false }>) {
  if (failure.code === "timeout")
    return new HttpProblem(
      504,
      "upstream-timeout",
      "A service behind this API did not answer in time",
      `${what} did not arrive in time; try again`,
    );
  return new HttpProblem(
    502,
    "upstream-failed",
    "A service behind this API failed",
    `${what} could not be read (${failure.code})`,
  );
}

/** Image details from imaging, for a file whose bytes imaging has begun to handle. */
async function imageDetail(file: FileRecord, req: ApiRequest, ports: Ports) {
  if (file.status !== "processing" && file.status !== "ready") return null;
  const described = await ports.operations.describeImage(file.fileId, req.requestId);
  if (!described.ok) throw unavailable("the image's details", described);
  return described.output.image ?? null;
}

async function getFile(req: ApiRequest, ports: Ports) {
  const { fileId } = validate(FileIdParams, req.params, "path");
  const { detail } = validate(FileQuery, req.query, "query");
  const file = await ownedFile(ports, principalOf(req), fileId);
  const view = await fileView(file, ports.storage);
  if (!detail) return json(200, view);
  return json(200, { ...view, detail: await imageDetail(file, req, ports) });
}

async function listFiles(req: ApiRequest, ports: Ports) {
  const principal = principalOf(req);
  const query = validate(ListFilesQuery, req.query, "query");
  const page = await ports.files.list({ ownerId: principal.ownerId, ...query }).catch((error) => {
    // The store's BadCursorError: a cursor this API never issued is the caller's mistake.
    if ((error as Error).name !== "BadCursorError") throw error;
    throw badRequest("1 invalid field in the query", [
      { in: "query", name: "cursor", detail: error.message },
    ]);
  });
  const items = await Promise.all(page.items.map((file) => fileView(file, ports.storage)));
  return json(200, page.nextCursor ? { items, nextCursor: page.nextCursor } : { items });
}

/** GET /files/{fileId}/content: a redirect to a short-lived GET of the original or a variant. */
async function getContent(req: ApiRequest, ports: Ports) {
  const { fileId } = validate(FileIdParams, req.params, "path");
  const { variant } = validate(ContentQuery, req.query, "query");
  const file = await ownedFile(ports, principalOf(req), fileId);
  if (!LIVE.has(file.status) || !file.uploaded)
    throw conflict(`file ${fileId} is ${file.status}: there is nothing to read yet`);
  let key: string | undefined;
  if (variant === "original") key = originalKey(file);
  else key = file.variants.find((v) => v.name === variant)?.key;
  if (!key) {
    const names = ["original", ...file.variants.map((v) => v.name)].join(", ");
    throw notFound(`file ${fileId} has no ${variant} yet (available: ${names})`);
  }
  const url = await ports.storage.presignGet(
    key,
    READ_URL_SECONDS,
    variant === "original" ? file.filename : undefined,
  );
  return empty(302, { location: url, "cache-control": "no-store" });
}

/** DELETE /files/{fileId}: the file becomes `deleted` at once; its objects go asynchronously. */
async function deleteFile(req: ApiRequest, ports: Ports) {
  const { fileId } = validate(FileIdParams, req.params, "path");
  const principal = principalOf(req);
  const file = await ownedFile(ports, principal, fileId);
  if (file.multipartUploadId) {
    // An upload still in flight would otherwise complete into a deleted file's key.
    await ports.storage.abortMultipart(file.key, file.multipartUploadId).catch(() => {});
  }
  const at = ports.now().toISOString();
  await applyChange(ports, fileId, (current) => deleted(current, principal.actor, at));
  return json(202, { fileId, status: "deleted" });
}

/** GET /files/{fileId}/history: the file's audit timeline, oldest first, for its owner only. */
async function getHistory(req: ApiRequest, ports: Ports) {
  const { fileId } = validate(FileIdParams, req.params, "path");
  const query = validate(HistoryQuery, req.query, "query");
  await ownedFile(ports, principalOf(req), fileId);
  const history = await ports.operations.fileHistory({ fileId, ...query }, req.requestId);
  if (!history.ok) {
    // Only the cursor can be wrong here: everything else was checked above.
    if (history.code === "invalid_input")
      throw badRequest("1 invalid field in the query", [
        { in: "query", name: "cursor", detail: "is not a cursor this API issued" },
      ]);
    throw unavailable("the file's history", history);
  }
  const items = history.output.items.map(({ eventId, at, action, actor }) => ({
    eventId,
    at,
    action,
    actor,
  }));
  const { nextCursor } = history.output;
  return json(200, nextCursor ? { items, nextCursor } : { items });
}

export const routes = {
  "GET /files": listFiles,
  "GET /files/{fileId}": getFile,
  "GET /files/{fileId}/content": getContent,
  "GET /files/{fileId}/history": getHistory,
  "DELETE /files/{fileId}": deleteFile,
};
