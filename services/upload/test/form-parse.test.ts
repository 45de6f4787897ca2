import { HttpProblem } from "@platform/http-api";
import { describe, expect, it } from "vitest";
import { MAX_FORM_BYTES, parseForm } from "../src/api/form-parse.ts";

/** A FormData as fetch would send it: the encoded body and its content type with a boundary. */
async function encoded(form: FormData): Promise<[Buffer, string]> {
  const request = new Request("http://localhost/files", { method: "POST", body: form });
  return [Buffer.from(await request.arrayBuffer()), request.headers.get("content-type") ?? ""];
}

function formOf(fields: Record<string, string>, files: [string, Blob, string?][] = []) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const [name, blob, filename] of files) form.append(name, blob, filename);
  return form;
}

const jpeg = (text = "jpeg bytes") => new Blob([text], { type: "image/jpeg" });

/** A hand-written multipart body, for parts FormData cannot produce. */
const BOUNDARY = "----form-test-boundary";
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;
function rawBody(parts: { headers: string[]; body: Buffer | string }[], end = true): Buffer {
  const chunks = parts.flatMap(({ headers, body }) => [
    Buffer.from(`--${BOUNDARY}\r\n${headers.join("\r\n")}\r\n\r\n`),
    Buffer.from(body),
    Buffer.from("\r\n"),
  ]);
  return Buffer.concat([...chunks, Buffer.from(end ? `--${BOUNDARY}--\r\n` : "")]);
}

async function problemOf(parsing: Promise<unknown>) {
  const error = await parsing.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpProblem)) throw new Error(`expected a problem, got ${String(error)}`);
  return { status: error.status, slug: error.slug, errors: error.errors };
}

describe("parseForm", () => {
  it("reads purpose, entityId and every file in the order the parts came", async () => {
    const form = formOf({ purpose: "chat", entityId: "room-1" }, [
      ["file", jpeg("first"), "a.jpg"],
      ["file", new Blob(["second"], { type: "text/plain" }), "b.txt"],
    ]);
    const parsed = await parseForm(...(await encoded(form)));
    expect(parsed).toMatchObject({ purpose: "chat", entityId: "room-1" });
    expect(parsed.files.map((f) => [f.filename, f.contentType, f.bytes.toString()])).toEqual([
      ["a.jpg", "image/jpeg", "first"],
      ["b.txt", "text/plain", "second"],
    ]);
  });

  it("leaves entityId out when the form has none", async () => {
    const parsed = await parseForm(
      ...(await encoded(formOf({ purpose: "feed" }, [["file", jpeg()]]))),
    );
    expect("entityId" in parsed).toBe(false);
  });

  it("keeps path-like, unicode and long filenames exactly as sent", async () => {
    const names = ["../../etc/passwd", "사진 😀.jpg", `${"n".repeat(296)}.jpg`];
    const form = formOf(
      { purpose: "feed" },
      names.map((name) => ["file", jpeg(), name]),
    );
    const parsed = await parseForm(...(await encoded(form)));
    expect(parsed.files.map((f) => f.filename)).toEqual(names);
  });

  it("lower-cases a part's type and drops its parameters", async () => {
    const body = rawBody([
      { headers: ['Content-Disposition: form-data; name="purpose"'], body: "feed" },
      {
        headers: [
          'Content-Disposition: form-data; name="file"; filename="x.txt"',
          "Content-Type: Text/Plain; charset=utf-8",
        ],
        body: "hello",
      },
    ]);
    const parsed = await parseForm(body, MULTIPART);
    expect(parsed.files[0]?.contentType).toBe("text/plain");
  });

  it("names a file part without a filename `upload` and keeps its exact bytes", async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const body = rawBody([
      { headers: ['Content-Disposition: form-data; name="purpose"'], body: "feed" },
      {
        headers: ['Content-Disposition: form-data; name="file"', "Content-Type: image/png"],
        body: bytes,
      },
      {
        headers: [
          'Content-Disposition: form-data; name="file"',
          "Content-Type: application/octet-stream",
        ],
        body: bytes,
      },
    ]);
    const parsed = await parseForm(body, MULTIPART);
    expect(parsed.files.map((f) => [f.filename, f.contentType])).toEqual([
      ["upload", "image/png"],
      ["upload", "application/octet-stream"],
    ]);
    for (const file of parsed.files) expect(file.bytes.equals(bytes)).toBe(true);
  });

  it("refuses anything but multipart/form-data with 415", async () => {
    const problem = await problemOf(parseForm(Buffer.from("{}"), "application/json"));
    expect(problem).toEqual({
      status: 415,
      slug: "unsupported-media-type",
      errors: [
        {
          in: "header",
          name: "content-type",
          detail: "must be multipart/form-data with a boundary",
        },
      ],
    });
  });

  it("refuses multipart/form-data without a boundary with 415", async () => {
    const problem = await problemOf(parseForm(Buffer.from("x"), "multipart/form-data"));
    expect(problem).toMatchObject({ status: 415, slug: "unsupported-media-type" });
  });

  it("refuses a request over 6 MB with 413 before reading it", async () => {
    // Not even multipart inside: the size alone decides.
    const problem = await problemOf(parseForm(Buffer.alloc(MAX_FORM_BYTES + 1), MULTIPART));
    expect(problem).toEqual({ status: 413, slug: "request-too-large", errors: [] });
  });

  it("refuses a truncated body with 400", async () => {
    const body = rawBody(
      [{ headers: ['Content-Disposition: form-data; name="purpose"'], body: "feed" }],
      false,
    );
    const problem = await problemOf(parseForm(body, MULTIPART));
    expect(problem).toMatchObject({
      status: 400,
      slug: "malformed-form",
      errors: [{ in: "form", name: "(body)" }],
    });
  });

  it("names a missing purpose", async () => {
    const problem = await problemOf(parseForm(...(await encoded(formOf({}, [["file", jpeg()]])))));
    expect(problem).toMatchObject({ status: 400, errors: [{ in: "form", name: "purpose" }] });
  });

  it("names an unknown purpose and a malformed entityId", async () => {
    const form = formOf({ purpose: "wallpaper", entityId: "../x" }, [["file", jpeg()]]);
    const problem = await problemOf(parseForm(...(await encoded(form))));
    expect(problem.status).toBe(400);
    expect(problem.errors.map((e) => [e.in, e.name])).toEqual([
      ["form", "purpose"],
      ["form", "entityId"],
    ]);
  });

  it("names every unexpected field and file field, and a field given twice", async () => {
    const form = formOf({ purpose: "feed", caption: "hi" }, [
      ["file", jpeg()],
      ["avatar", jpeg()],
    ]);
    form.append("purpose", "feed");
    const problem = await problemOf(parseForm(...(await encoded(form))));
    expect(problem).toEqual({
      status: 400,
      slug: "invalid-request",
      errors: [
        { in: "form", name: "caption", detail: "is not a known field" },
        { in: "form", name: "avatar", detail: "is not a known file field" },
        { in: "form", name: "purpose", detail: "given more than once" },
      ],
    });
  });

  it("names an empty file by its index", async () => {
    const form = formOf({ purpose: "feed" }, [
      ["file", jpeg()],
      ["file", new Blob([], { type: "image/jpeg" }), "empty.jpg"],
    ]);
    const problem = await problemOf(parseForm(...(await encoded(form))));
    expect(problem).toEqual({
      status: 400,
      slug: "invalid-request",
      errors: [{ in: "form", name: "file[1]", detail: "is empty" }],
    });
  });

  it("wants at least one file and at most ten", async () => {
    const none = await problemOf(parseForm(...(await encoded(formOf({ purpose: "feed" })))));
    expect(none.errors).toEqual([
      { in: "form", name: "file", detail: "at least one file is required" },
    ]);

    const eleven = formOf(
      { purpose: "feed" },
      Array.from({ length: 11 }, (_, i) => ["file", jpeg(), `${i}.jpg`] as [string, Blob, string]),
    );
    const many = await problemOf(parseForm(...(await encoded(eleven))));
    expect(many.errors).toEqual([{ in: "form", name: "file", detail: "at most 10 files" }]);
  });
});
