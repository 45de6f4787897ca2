import { badRequest, type FieldError, fieldErrors, HttpProblem } from "@platform/http-api";
import busboy from "busboy";
import type { PurposeName } from "../purposes.ts";
import { EntityId, MAX_FILENAME_LENGTH, Purpose } from "./schemas.ts";

/**
 * The most a form request may carry in all. Through API Gateway the body reaches the function
 * base64-encoded inside Lambda's 6 MB event, so the gateway itself refuses (413) forms over about
 * 4.4 MB before they get here; this cap holds for any way in.
 */
export const MAX_FORM_BYTES = 6 * 1024 * 1024;
export const MAX_FORM_FILES = 10;
/** The name a file gets when its part carries none. */
export const UNNAMED_FILE = "upload";

export interface FormFile {
  /** The client's name for the file, as sent: data only, never a path. */
  filename: string;
  /** The part's declared type, lower-cased, without parameters. */
  contentType: string;
  bytes: Buffer;
}

export interface UploadForm {
  purpose: PurposeName;
  entityId?: string | undefined;
  /** In the order the parts came. */
  files: FormFile[];
}

interface RawForm {
  fields: { name: string; value: string }[];
  files: (FormFile & { name: string })[];
}

const mediaType = (contentType: string) => (contentType.split(";")[0] ?? "").trim().toLowerCase();

function unsupported(detail: string): HttpProblem {
  return new HttpProblem(415, "unsupported-media-type", "Unsupported media type", detail, [
    { in: "header", name: "content-type", detail: "must be multipart/form-data with a boundary" },
  ]);
}

/** Every part of a multipart body, unvalidated; a body busboy cannot read is a 400. */
function readParts(body: Buffer, contentType: string): Promise<RawForm> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      // Keep `../x` as sent (it is data), and read names as the UTF-8 browsers send.
      preservePath: true,
      defParamCharset: "utf8",
      // A `file` part without a filename arrives as a field: latin1 gives back its exact bytes.
      defCharset: "latin1",
      limits: { fieldSize: MAX_FORM_BYTES },
    });
  } catch (error) {
    throw unsupported(`multipart/form-data needs a boundary (${(error as Error).message})`);
  }
  return new Promise((resolve, reject) => {
    const form: RawForm = { fields: [], files: [] };
    parser.on("field", (name, value, info) => {
      if (name === "file")
        form.files.push({
          name,
          filename: UNNAMED_FILE,
          contentType: info.mimeType.toLowerCase(),
          bytes: Buffer.from(value, "latin1"),
        });
      else form.fields.push({ name, value });
    });
    parser.on("file", (name, stream, info) => {
      // Take the file's place now, so the files keep the order their parts came in.
      const file = {
        name,
        filename: info.filename || UNNAMED_FILE,
        contentType: info.mimeType.toLowerCase(),
        bytes: Buffer.alloc(0),
      };
      form.files.push(file);
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        file.bytes = Buffer.concat(chunks);
      });
    });
    parser.on("error", (error: Error) =>
      reject(
        new HttpProblem(400, "malformed-form", "Malformed form", error.message, [
          { in: "form", name: "(body)", detail: "is not readable multipart/form-data" },
        ]),
      ),
    );
    parser.on("close", () => resolve(form));
    parser.end(body);
  });
}

/** One text field, at most once; undefined when absent. */
function single(form: RawForm, name: string, errors: FieldError[]): string | undefined {
  const values = form.fields.filter((field) => field.name === name);
  if (values.length > 1) errors.push({ in: "form", name, detail: "given more than once" });
  return values[0]?.value;
}

function checkFiles(files: RawForm["files"], errors: FieldError[]) {
  if (files.length === 0)
    errors.push({ in: "form", name: "file", detail: "at least one file is required" });
  if (files.length > MAX_FORM_FILES)
    errors.push({ in: "form", name: "file", detail: `at most ${MAX_FORM_FILES} files` });
  files.forEach((file, index) => {
    const name = `file[${index}]`;
    if (file.bytes.length === 0) errors.push({ in: "form", name, detail: "is empty" });
    if (file.filename.length > MAX_FILENAME_LENGTH)
      errors.push({ in: "form", name, detail: `filename over ${MAX_FILENAME_LENGTH} characters` });
  });
}

/**
 * A multipart/form-data body as an upload: `purpose`, optional `entityId`, and one or more `file`
 * parts. 413 over the size cap, 415 for anything but multipart, else a 400 naming every bad field.
 */
export async function parseForm(body: Buffer, contentType: string): Promise<UploadForm> {
  const type = mediaType(contentType);
  if (type !== "multipart/form-data")
    throw unsupported(`send the files as multipart/form-data (got ${type || "no content type"})`);
  if (body.length > MAX_FORM_BYTES)
    throw new HttpProblem(
      413,
      "request-too-large",
      "Request too large",
      `a form upload carries at most ${MAX_FORM_BYTES} bytes in all; got ${body.length}: use POST /uploads for bigger files`,
    );
  const form = await readParts(body, contentType);
  const errors: FieldError[] = [];
  for (const { name } of form.fields)
    if (name !== "purpose" && name !== "entityId")
      errors.push({ in: "form", name: name || "(unnamed)", detail: "is not a known field" });
  for (const { name } of form.files)
    if (name !== "file")
      errors.push({ in: "form", name: name || "(unnamed)", detail: "is not a known file field" });
  const files = form.files.filter((file) => file.name === "file");
  checkFiles(files, errors);

  const purpose = Purpose.safeParse(single(form, "purpose", errors));
  if (!purpose.success) errors.push(...named("purpose", fieldErrors("form", purpose.error)));
  const entityId = EntityId.optional().safeParse(single(form, "entityId", errors));
  if (!entityId.success) errors.push(...named("entityId", fieldErrors("form", entityId.error)));

  if (errors.length > 0 || !purpose.success || !entityId.success)
    throw badRequest(
      `${errors.length} invalid field${errors.length === 1 ? "" : "s"} in the form`,
      errors,
    );
  return {
    purpose: purpose.data,
    ...(entityId.data !== undefined ? { entityId: entityId.data } : {}),
    files: files.map(({ name: _, ...file }) => file),
  };
}

/** A field parsed on its own has no path: give its errors the field's name. */
const named = (name: string, errors: FieldError[]) => errors.map((error) => ({ ...error, name }));
