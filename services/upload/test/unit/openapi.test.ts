import { describe, expect, it } from "vitest";
import upload from "../../service.ts";
import { documentedRoutes, openApiDocument } from "../../src/api/openapi.ts";
import { routes } from "../../src/api/router.ts";
import { PURPOSE_NAMES } from "../../src/purposes.ts";

// The document is read as plain JSON, as a client generator would read /openapi.json.
interface Operation {
  summary?: unknown;
  security?: unknown;
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
  responses: Record<string, { description?: unknown; content?: unknown }>;
}
interface Schema {
  type?: string;
  properties?: Record<string, { enum?: unknown[] }>;
  required?: string[];
}
interface Document {
  openapi: string;
  info: { title?: unknown; version?: unknown };
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, Schema> };
}

const doc = JSON.parse(JSON.stringify(openApiDocument())) as Document;
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
);
const operation = (key: string) => operations.find((o) => o.key === key)?.op;
const manifestRoutes = Object.entries(upload.routes ?? {});

/** Every `$ref` in the document, wherever it is. */
function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === "$ref" && typeof inner === "string" ? [inner] : refs(inner),
  );
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1.0 with a title, a version and its security schemes", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toEqual(expect.any(String));
    expect(doc.info.version).toEqual(expect.any(String));
    expect(doc.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["apiKey", "bearer"]);
  });

  it("documents every route of the manifest, and nothing else", () => {
    const declared = manifestRoutes.map(([key]) => key).sort();
    expect(operations.map((o) => o.key).sort()).toEqual(declared);
    expect([...documentedRoutes].sort()).toEqual(declared);
  });

  it("documents only routes the router serves", () => {
    for (const { key } of operations) expect(routes, key).toHaveProperty([key]);
  });

  it("is well formed: methods, summaries, responses, and path parameters matching the path", () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path).toMatch(/^\/[^\s]*$/);
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries(item)) {
        const where = `${method} ${path}`;
        expect(METHODS, where).toContain(method);
        expect(op.summary, where).toEqual(expect.stringMatching(/\S/));
        expect(Object.keys(op.responses).length, where).toBeGreaterThan(0);
        for (const [status, response] of Object.entries(op.responses)) {
          expect(status, where).toMatch(/^[1-5]\d\d$/);
          expect(response.description, `${where} ${status}`).toEqual(expect.any(String));
        }
        const params = op.parameters ?? [];
        const pathParams = params.filter((p) => p.in === "path");
        expect(pathParams.map((p) => p.name).sort(), where).toEqual(inPath);
        for (const p of pathParams) expect(p.required, `${where} ${p.name}`).toBe(true);
        for (const p of params) expect(["path", "query", "header", "cookie"]).toContain(p.in);
        const unique = new Set(params.map((p) => `${p.in} ${p.name}`));
        expect(unique.size, where).toBe(params.length);
      }
    }
  });

  it("refers only to schemas it defines", () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(0);
    for (const ref of all) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas).toHaveProperty([ref.split("/").pop() ?? ""]);
    }
  });

  it("describes a problem with the RFC 9457 fields", () => {
    expect(doc.components.schemas.Problem?.required).toEqual(["type", "title", "status", "detail"]);
  });

  it("lists the purposes and the required fields of POST /uploads", () => {
    const body = operation("POST /uploads")?.requestBody;
    const schema = body?.content["application/json"]?.schema;
    expect(body?.required).toBe(true);
    expect(schema?.properties?.purpose?.enum).toEqual(PURPOSE_NAMES);
    expect(schema?.required?.sort()).toEqual(["contentType", "filename", "purpose", "size"]);
    expect(Object.keys(schema?.properties ?? {})).toEqual(
      expect.arrayContaining(["entityId", "sha256"]),
    );
  });

  it("documents the answers of the routes that call other services, 502 and 504 included", () => {
    for (const key of ["GET /files/{fileId}", "GET /files/{fileId}/history"]) {
      const responses = operation(key)?.responses ?? {};
      expect(Object.keys(responses).sort(), key).toEqual(["200", "400", "404", "502", "504"]);
    }
  });

  it("lists 415 on every route that takes a JSON body", () => {
    const withJson = operations.filter(({ op }) => op.requestBody?.content["application/json"]);
    expect(withJson.map((o) => o.key).sort()).toEqual([
      "POST /uploads",
      "POST /uploads/{fileId}/multipart/{uploadId}/complete",
    ]);
    for (const { key, op } of withJson) expect(op.responses, key).toHaveProperty(["415"]);
  });

  it("gives the limit of a form as the gateway enforces it, not Lambda's 6 MB", () => {
    const summary = operation("POST /files")?.summary;
    expect(summary).toContain("about 4.4 MB");
    expect(summary).not.toMatch(/at most 6 MB/);
  });

  it("documents the optional part size of a part URL", () => {
    const params = operation(
      "GET /uploads/{fileId}/multipart/{uploadId}/parts/{partNumber}",
    )?.parameters;
    expect(params?.find((p) => p.in === "query")).toMatchObject({
      name: "size",
      required: false,
    });
  });

  it("marks the public routes as needing no credentials, and only them", () => {
    for (const [key, route] of manifestRoutes) {
      const op = operation(key);
      if (route?.auth === "public") expect(op?.security, key).toEqual([]);
      else expect(op, key).not.toHaveProperty("security");
    }
  });
});
