import { z } from "zod";
import { NOTICE_TYPES } from "../notice.ts";
import * as s from "./schemas.ts";

/**
 * The OpenAPI 3.1 document of the webhooks API, generated from the zod schemas that validate the
 * requests, so the document cannot promise a shape the API refuses.
 */
interface Operation {
  summary: string;
  params?: z.ZodObject;
  body?: z.ZodType;
  responses: Record<number, z.ZodType | "problem" | "empty" | "document">;
  public?: boolean;
}

const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, "problem" as const]));

const OPERATIONS: Record<string, Operation> = {
  "GET /webhooks/openapi.json": {
    summary: "This document",
    responses: { 200: "document" },
    public: true,
  },
  "POST /webhooks": {
    summary: "Register a webhook; the answer shows its signing secret, once",
    body: s.CreateWebhook,
    responses: { 201: s.CreatedWebhook, ...problems(400, 409, 415) },
  },
  "GET /webhooks": {
    summary: "The caller's webhooks, oldest first (never their secrets)",
    responses: { 200: s.WebhookList },
  },
  "DELETE /webhooks/{id}": {
    summary: "Delete a webhook; nothing more is delivered to it",
    params: s.IdParams,
    responses: { 204: "empty", ...problems(400, 404) },
  },
  "PATCH /webhooks/{id}": {
    summary: "Disable a webhook, or enable it again (which forgets its past failures)",
    params: s.IdParams,
    body: s.UpdateWebhook,
    responses: { 200: s.WebhookView, ...problems(400, 404, 415) },
  },
  "POST /webhooks/{id}/test": {
    summary: "Send one signed webhook.test notice now and report the receiver's answer",
    params: s.IdParams,
    responses: { 200: s.TestResult, ...problems(400, 404) },
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

function response(status: number, shape: Operation["responses"][number]) {
  if (shape === "problem")
    return {
      description: "A problem",
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    };
  if (shape === "empty") return { description: "No content" };
  if (shape === "document")
    return { description: "This document", content: { "application/json": {} } };
  return {
    description: String(status),
    content: { "application/json": { schema: schema(shape, "output") } },
  };
}

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, op] of Object.entries(OPERATIONS)) {
    const [method = "", path = ""] = key.split(" ");
    const params = op.params
      ? Object.keys(op.params.shape).map((name) => ({
          name,
          in: "path",
          required: true,
          schema: schema(op.params?.shape[name] as z.ZodType, "input"),
        }))
      : [];
    paths[path] = {
      ...paths[path],
      [method.toLowerCase()]: {
        summary: op.summary,
        ...(op.public ? { security: [] } : {}),
        parameters: params,
        ...(op.body
          ? {
              requestBody: {
                required: true,
                content: { "application/json": { schema: schema(op.body, "input") } },
              },
            }
          : {}),
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
      title: "File platform webhooks API",
      version: "1.0.0",
      description:
        "Register URLs that receive signed notices about the caller's files " +
        `(${NOTICE_TYPES.join(", ")}). Deliveries carry ` +
        "x-webhook-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, '<t>.<body>')>; " +
        "x-webhook-id and x-event-id are not signed: deduplicate on the body's id.",
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
