import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The signature scheme receivers verify (README: "Verifying a delivery"):
 *   x-webhook-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * The timestamp is signed with the body, so a captured delivery cannot be replayed once it is
 * older than the receiver's tolerance (5 minutes), nor its body changed.
 */
export const SIGNATURE_HEADER = "x-webhook-signature";
export const TOLERANCE_SECONDS = 300;

/** A webhook's signing secret: 32 random bytes, shown to its owner once. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function signature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/** What a receiver does: recompute, compare in constant time, refuse stale timestamps. */
export function verifySignature(
  secret: string,
  header: string,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const parts = Object.fromEntries(header.split(",").map((kv) => kv.split("=", 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(signature(secret, t, body).split("v1=")[1] ?? "", "hex");
  const given = Buffer.from(String(parts.v1 ?? ""), "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
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
