import { deleted, type FileRecord } from "../files.ts";
import { applyChange } from "../lifecycle.ts";
import type { Ports, Storage } from "../ports.ts";
import { ownedFile, principalOf } from "./access.ts";
import { badRequest, conflict, HttpProblem, notFound, validate } from "./problems.ts";
import type { ApiRequest } from "./request.ts";
import { empty, json } from "./respond.ts";
import { ContentQuery, FileIdParams, ListFilesQuery } from "./schemas.ts";

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

async function getFile(req: ApiRequest, ports: Ports) {
  const { fileId } = validate(FileIdParams, req.params, "path");
  return json(200, await fileView(await ownedFile(ports, principalOf(req), fileId), ports.storage));
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

/** GET /files/{fileId}/history: declared by the manifest, answered once the audit timeline lands. */
async function getHistory(req: ApiRequest, ports: Ports): Promise<never> {
  const { fileId } = validate(FileIdParams, req.params, "path");
  await ownedFile(ports, principalOf(req), fileId);
  throw new HttpProblem(
    501,
    "not-implemented",
    "Not implemented",
    "a file's history is not served yet",
  );
}

export const routes = {
  "GET /files": listFiles,
  "GET /files/{fileId}": getFile,
  "GET /files/{fileId}/content": getContent,
  "GET /files/{fileId}/history": getHistory,
  "DELETE /files/{fileId}": deleteFile,
};
