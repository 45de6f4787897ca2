import { createHmac, randomBytes } from "node:crypto";

/**
 * The signature scheme receivers verify (README: "Verifying a delivery"):
 *   x-webhook-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * The timestamp is signed with the body, so a captured delivery cannot be replayed once it is
 * older than the receiver's tolerance (5 minutes), nor its body changed. Other headers are not
 * signed: receivers deduplicate on the body's `id`.
 */
export const SIGNATURE_HEADER = "x-webhook-signature";

/** A webhook's signing secret: 32 random bytes, shown to its owner once. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function signature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/** The headers of one delivery attempt, signed at the attempt's own time. */
export function deliveryHeaders(
  delivery: { webhookId: string; eventId: string; secret: string; body: string },
  now: Date,
): Record<string, string> {
  const t = Math.floor(now.getTime() / 1000);
  return {
    "content-type": "application/json",
    "user-agent": "file-platform-webhooks/1",
    "x-webhook-id": delivery.webhookId,
    "x-event-id": delivery.eventId,
    [SIGNATURE_HEADER]: signature(delivery.secret, t, delivery.body),
  };
}
