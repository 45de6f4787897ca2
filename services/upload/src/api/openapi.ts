import { openApiDocument as document, type OpenApiOperation, problems } from "@platform/http-api";
import { z } from "zod";
import { PURPOSES } from "../purposes.ts";
import * as s from "./schemas.ts";

/** `POST /files`: the parts of the form, which no zod schema describes. */
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

const OPERATIONS: Record<string, OpenApiOperation> = {
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
    body: FORM_BODY,
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

/** The upload API's OpenAPI document (`GET /openapi.json`). */
export function openApiDocument() {
  return document(
    {
      title: "File platform upload API",
      description:
        "Upload files straight to S3 with presigned requests and follow them until their variants are ready. " +
        `Purposes: ${Object.entries(PURPOSES)
          .map(([name, p]) => `${name} (${p.contentTypes.join(", ")}; at most ${p.maxBytes} bytes)`)
          .join("; ")}.`,
    },
    OPERATIONS,
  );
}
