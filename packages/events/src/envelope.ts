import { z } from "zod";

/** Who caused an event: a signed-in user, an API key, a service acting on its own, or the platform. */
export const Actor = z.object({
  type: z.enum(["user", "apiKey", "service", "system"]),
  id: z.string().min(1),
});
export type Actor = z.infer<typeof Actor>;

/** The half of every platform event's `detail` that is the same for all contracts. */
export const Metadata = z.object({
  eventId: z.uuid(),
  // The contract's schema version, not EventBridge's envelope `version` (always "0").
  version: z.number().int().positive(),
  correlationId: z.string().min(1),
  // null for an event that starts a chain (a client request, a schedule).
  causationId: z.string().min(1).nullable(),
  actor: Actor,
  occurredAt: z.iso.datetime(),
});
export type Metadata = z.infer<typeof Metadata>;

/** The event EventBridge hands a Lambda target (same shape as Powertools' EventBridgeSchema). */
export const EventBridgeEnvelope = z.object({
  version: z.string(),
  id: z.string().min(1),
  "detail-type": z.string().min(1),
  source: z.string().min(1),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.unknown(),
  "replay-name": z.string().optional(),
});
export type EventBridgeEnvelope = z.infer<typeof EventBridgeEnvelope>;
