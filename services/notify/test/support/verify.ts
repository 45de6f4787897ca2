import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The receiver's check, as the README gives it (a unit test runs the README's own copy on the
 * same cases): a whole-second timestamp within 5 minutes, then the HMAC over "<t>.<raw body>",
 * compared in constant time. Every test verifies deliveries with this function.
 */
export function verifyDelivery(
  secret: string,
  header: string,
  rawBody: string,
  now = Date.now() / 1000,
): boolean {
  const { t, v1 } = Object.fromEntries(header.split(",").map((part) => part.split("=")));
  if (!t || !v1 || !Number.isInteger(Number(t)) || Math.abs(now - Number(t)) > 300) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
