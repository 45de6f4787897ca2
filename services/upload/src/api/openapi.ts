import { z } from "zod";
import { PURPOSES } from "../purposes.ts";
import * as s from "./schemas.ts";

/**
 * The OpenAPI 3.1 document, generated from the zod schemas that validate the requests, so the
 * document cannot promise a shape the API refuses.
 */
interface Operation {
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType | "multipart";
  responses: Record<number, z.ZodType | string>;
  public?: boolean;
}

const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, "problem"]));

const OPERATIONS: Record<string, Operation> = {
  "GET /health": {
    summary: "Liveness",
    responses: { 200: z.object({ status: z.literal("ok") }) },
    public: true,
  },
  "GET /openapi.json": { summary: "This document", responses: { 200: "document" }, public: true },
  "POST /uploads": {
    summary:
      "Record a file and sign an upload straight to S3 (POST by default, PUT with ?method=put)",
    query: s.CreateUploadQuery,
    body: s.CreateUpload,
    responses: { 201: s.UploadCreated, ...problems(400, 403, 413, 415) },
  },
  "POST /uploads/{fileId}/multipart": {
    summary: "Start a multipart upload for a recorded file",
    params: s.FileIdParams,
    responses: { 200: s.MultipartStarted, ...problems(400, 404, 409) },
  },
  "GET /uploads/{fileId}/multipart/{uploadId}": {
    summary: "The parts uploaded so far (to resume)",
    params: s.MultipartParams,
    responses: { 200: s.UploadedParts, ...problems(400, 404) },
  },
  "GET /uploads/{fileId}/multipart/{uploadId}/parts/{partNumber}": {
    summary: "Sign the upload of one part (numbered within what the declared size needs)",
    params: s.PartParams,
    query: s.PartQuery,
    responses: { 200: s.PartUrl, ...problems(400, 404, 409) },
  },
  "POST /uploads/{fileId}/multipart/{uploadId}/complete": {
    summary: "Assemble the uploaded parts",
    params: s.MultipartParams,
    body: s.CompleteMultipart,
    responses: { 200: s.MultipartCompleted, ...problems(400, 404, 409, 415) },
  },
  "DELETE /uploads/{fileId}/multipart/{uploadId}": {
    summary: "Abort a multipart upload",
    params: s.MultipartParams,
    responses: { 204: "empty", ...problems(400, 404) },
  },
  "POST /files": {
    summary:
      "Upload small files as multipart/form-data: the whole request at most about 4.4 MB, as the body reaches Lambda base64-encoded within its 6 MB payload",
    body: "multipart",
    responses: { 201: s.FormFiles, ...problems(400, 403, 413, 415) },
  },
  "GET /files": {
    summary: "The caller's files, newest first",
    query: s.ListFilesQuery,
    responses: { 200: s.FileList, ...problems(400) },
  },
  "GET /files/{fileId}": {
    summary: "A file, its status, progress and variants (with ?detail=true, the image's details)",
    params: s.FileIdParams,
    query: s.FileQuery,
    responses: { 200: s.FileDetail, ...problems(400, 404, 502, 504) },
  },
  "GET /files/{fileId}/content": {
    summary: "Redirect to a short-lived GET of the original or a variant",
    params: s.FileIdParams,
    query: s.ContentQuery,
    responses: { 302: "redirect", ...problems(400, 404, 409) },
  },
  "GET /files/{fileId}/history": {
    summary: "The file's audit timeline, oldest first: who did what, and when",
    params: s.FileIdParams,
    query: s.HistoryQuery,
    responses: { 200: s.History, ...problems(400, 404, 502, 504) },
  },
  "DELETE /files/{fileId}": {
    summary: "Delete a file; its objects are removed asynchronously",
    params: s.FileIdParams,
    responses: { 202: s.Deleted, ...problems(400, 404) },
  },
};

export const documentedRoutes = Object.keys(OPERATIONS);

const schema = (type: z.ZodType, io: "input" | "output") => {
  const { $schema: _, ...rest } = z.toJSONSchema(type, { io, unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return rest;
};

function parameters(where: "path" | "query", object: z.ZodObject | undefined) {
  if (!object) return [];
  const json = schema(object, "input") as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function response(status: number, shape: z.ZodType | string) {
  if (shape === "problem")
    return {
      description: "A problem",
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    };
  if (shape === "empty") return { description: "No content" };
  if (shape === "redirect")
    return {
      description: "Redirect",
      headers: { location: { schema: { type: "string", format: "uri" } } },
    };
  if (typeof shape === "string")
    return { description: `See ${shape}`, content: { "application/json": {} } };
  return {
    description: String(status),
    content: { "application/json": { schema: schema(shape, "output") } },
  };
}

const FORM_BODY = {
  required: true,
  content: {
    "multipart/form-data": {
      schema: {
        type: "object",
        required: ["purpose", "file"],
        properties: {
          purpose: { type: "string", enum: Object.keys(PURPOSES) },
          entityId: { type: "string" },
          file: {
            type: "array",
            items: { type: "string", contentMediaType: "application/octet-stream" },
          },
        },
      },
    },
  },
};

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, op] of Object.entries(OPERATIONS)) {
    const [method = "", path = ""] = key.split(" ");
    const body =
      op.body === "multipart"
        ? FORM_BODY
        : op.body
          ? {
              required: true,
              content: { "application/json": { schema: schema(op.body, "input") } },
            }
          : undefined;
    paths[path] = {
      ...paths[path],
      [method.toLowerCase()]: {
        summary: op.summary,
        ...(op.public ? { security: [] } : {}),
        parameters: [...parameters("path", op.params), ...parameters("query", op.query)],
        ...(body ? { requestBody: body } : {}),
        responses: Object.fromEntries(
          Object.entries(op.responses).map(([status, shape]) => [
            status,
            response(Number(status), shape),
          ]),
        ),
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "File platform upload API",
      version: "1.0.0",
      description:
        "Upload files straight to S3 with presigned requests and follow them until their variants are ready. " +
        `Purposes: ${Object.entries(PURPOSES)
          .map(([name, p]) => `${name} (${p.contentTypes.join(", ")}; at most ${p.maxBytes} bytes)`)
          .join("; ")}.`,
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      },
      schemas: { Problem: schema(s.Problem, "output") },
    },
  };
}
