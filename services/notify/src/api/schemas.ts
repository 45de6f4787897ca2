import { z } from "zod";
import { NOTICE_TYPES } from "../notice.ts";
import { MAX_WEBHOOKS_PER_OWNER } from "../settings.ts";

// The webhooks API's shapes: they validate requests, and /webhooks/openapi.json is generated from them.

export const MAX_URL_LENGTH = 2048;

export const WebhookId = z.uuid().describe("The webhook's id, chosen by the server.");
export const IdParams = z.strictObject({ id: WebhookId });

export const EventName = z
  .enum(NOTICE_TYPES)
  .describe("A notice the webhook receives: bytes received, file ready, rejected or deleted.");

export const CreateWebhook = z.strictObject({
  url: z
    .string()
    .min(1)
    .max(MAX_URL_LENGTH)
    .describe("Where deliveries are POSTed: https, reaching a public address."),
  events: z
    .array(EventName)
    .min(1)
    .refine((names) => new Set(names).size === names.length, "names each event once")
    .describe("The notices to deliver."),
});

export const UpdateWebhook = z.strictObject({
  enabled: z
    .boolean()
    .describe("false stops deliveries; true resumes them and forgets past failures."),
});

const LastDelivery = z.object({
  eventId: z.string(),
  at: z.iso.datetime(),
  outcome: z.enum(["delivered", "failed", "rejected"]),
  status: z.number().int().optional(),
});

export const WebhookView = z.object({
  id: WebhookId,
  url: z.string(),
  events: z.array(EventName),
  enabled: z.boolean(),
  consecutiveFailures: z.number().int().nonnegative(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  disabledAt: z.iso.datetime().optional(),
  disabledReason: z.string().optional(),
  lastDelivery: LastDelivery.optional(),
});

export const CreatedWebhook = WebhookView.extend({
  secret: z.string().describe("Signs every delivery. Shown here once; store it now."),
});

export const WebhookList = z.object({
  items: z.array(WebhookView).max(MAX_WEBHOOKS_PER_OWNER),
});

export const TestResult = z.strictObject({
  eventId: z.uuid().describe("The test notice's id."),
  delivered: z.boolean().describe("Whether the receiver answered 2xx."),
  status: z
    .number()
    .int()
    .nullable()
    .describe("The receiver's HTTP status; null when nothing answered (the reason is not told)."),
});
