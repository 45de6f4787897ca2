import { openApiDocument as document, type OpenApiOperation, problems } from "@platform/http-api";
import { NOTICE_TYPES } from "../notice.ts";
import * as s from "./schemas.ts";

const OPERATIONS: Record<string, OpenApiOperation> = {
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

/** The webhooks API's OpenAPI document (`GET /webhooks/openapi.json`). */
export function openApiDocument() {
  return document(
    {
      title: "File platform webhooks API",
      description:
        "Register URLs that receive signed notices about the caller's files " +
        `(${NOTICE_TYPES.join(", ")}). Deliveries carry ` +
        "x-webhook-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, '<t>.<body>')>; " +
        "x-webhook-id and x-event-id are not signed: deduplicate on the body's id.",
    },
    OPERATIONS,
  );
}
