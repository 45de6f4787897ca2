import {
  type ApiRequest,
  HttpProblem,
  json,
  type Principal,
  principalOf,
} from "@platform/http-api";
import { deleted, type FileStatus } from "../files.ts";
import { applyChange, flush } from "../lifecycle.ts";
import type { Ports } from "../ports.ts";
import { type FormFile, parseForm, type UploadForm } from "./form-parse.ts";
import type { RouteHandler } from "./router.ts";
import { admit, type Declared, newFile } from "./uploads.ts";

/**
 * The bytes are stored within the request, so the row's pending window only needs to cover the
 * Object Created event; after it the sweep may expire a file whose bytes never landed.
 */
const FORM_EXPIRES_IN = 300;

/** `admit`, with its errors naming the form's fields: `file[<index>]` or `entityId`. */
function admitFile(declared: Declared, index: number, principal: Principal) {
  try {
    return admit(declared, principal);
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    const name = `file[${index}]`;
    const errors = error.errors.map((e) => ({
      in: "form" as const,
      name: e.name === "entityId" ? "entityId" : name,
      detail: e.detail,
    }));
    const about = error.errors.some((e) => e.name !== "entityId") ? `${name}: ` : "";
    throw new HttpProblem(
      error.status,
      error.slug,
      error.title,
      `${about}${error.detail}`,
      errors,
      error.headers,
    );
  }
}

const declaredOf = (form: UploadForm, file: FormFile): Declared => ({
  filename: file.filename,
  contentType: file.contentType,
  size: file.bytes.length,
  purpose: form.purpose,
  entityId: form.entityId,
});

/**
 * POST /files: small files sent through the API. Every file is checked before any is recorded,
 * so one bad file stores nothing; then each is recorded and its bytes put under tmp/, where the
 * Object Created event marks it uploaded exactly as for a presigned upload. If storing any of
 * them fails, those already recorded are deleted: the request stores all of its files or none.
 */
async function uploadForm(req: ApiRequest, ports: Ports) {
  const principal = principalOf(req);
  const form = await parseForm(req.body, req.headers["content-type"] ?? "");
  const admitted = form.files.map((file, index) => {
    const declared = declaredOf(form, file);
    return { file, declared, ...admitFile(declared, index, principal) };
  });

  const files: { fileId: string; key: string; status: FileStatus }[] = [];
  try {
    for (const { file, declared, entityId } of admitted) {
      const row = newFile(ports, {
        declared,
        entityId,
        principal,
        method: "form",
        expiresIn: FORM_EXPIRES_IN,
        correlationId: req.requestId,
      });
      await ports.files.create(row);
      files.push({ fileId: row.fileId, key: row.key, status: row.status });
      await flush(ports, row);
      await ports.storage.put(row.key, file.bytes, row.contentType);
    }
  } catch (error) {
    await discard(ports, files, principal);
    throw error;
  }
  return json(201, { files });
}

/**
 * A failed request answers with no ids, so the files it already recorded are deleted: their
 * objects are purged like any deleted file's. Best effort: the original failure is what is
 * answered, and a file left pending is expired by the sweep.
 */
async function discard(ports: Ports, files: { fileId: string }[], principal: Principal) {
  const at = ports.now().toISOString();
  for (const { fileId } of files)
    await applyChange(ports, fileId, (current) => deleted(current, principal.actor, at)).catch(
      () => {},
    );
}

export const routes: Record<string, RouteHandler> = { "POST /files": uploadForm };
