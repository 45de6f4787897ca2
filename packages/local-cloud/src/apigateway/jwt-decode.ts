/**
 * Reads a token before anything about it is trusted. API Gateway's authorizer is built on
 * golang-jwt: its refusals observed in the wild carry that library's texts ("token contains an
 * invalid number of segments", "signing method ES256 is invalid"), so a token that cannot be
 * read is refused here with the text golang-jwt v4 gives for the same fault.
 */

export type DecodedToken =
  | { ok: true; alg: string; header: Record<string, unknown>; payload: Record<string, unknown> }
  | { ok: false; description: string };

/** The algorithms golang-jwt knows. Any other `alg` is "unavailable" rather than "invalid". */
const KNOWN_ALGORITHMS = new Set([
  "none",
  ...["HS", "RS", "PS", "ES"].flatMap((family) => ["256", "384", "512"].map((n) => family + n)),
  "EdDSA",
]);

/**
 * golang-jwt passes Go's JSON error through here (e.g. "invalid character 'x' looking for
 * beginning of value"); those texts are not worth imitating, so one description stands for all.
 */
const MALFORMED = "token is malformed";

export function decodeToken(token: string): DecodedToken {
  const parts = token.split(".");
  if (parts.length !== 3) return refused("token contains an invalid number of segments");
  const [headerSegment = "", payloadSegment = ""] = parts;
  const header = decodeSegment(headerSegment);
  if (typeof header === "string") {
    // golang-jwt's hint for a prefix sent twice or in lower case ("bearer eyJ...").
    if (token.toLowerCase().startsWith("bearer ")) {
      return refused("tokenstring should not contain 'bearer '");
    }
    return refused(header);
  }
  const payload = decodeSegment(payloadSegment);
  if (typeof payload === "string") return refused(payload);
  const { alg } = header;
  if (typeof alg !== "string") return refused("signing method (alg) is unspecified.");
  if (!KNOWN_ALGORITHMS.has(alg)) return refused("signing method (alg) is unavailable.");
  return { ok: true, alg, header, payload };
}

/** A JSON object from one base64url segment, or the description of why it is not one. */
function decodeSegment(segment: string): Record<string, unknown> | string {
  const badByte = illegalBase64At(segment);
  if (badByte !== undefined) return `illegal base64 data at input byte ${badByte}`;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    return MALFORMED;
  }
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  return isObject ? (value as Record<string, unknown>) : MALFORMED;
}

/** Where Go's base64url decoder would stop: a foreign character, or a dangling last one. */
function illegalBase64At(segment: string): number | undefined {
  const foreign = segment.search(/[^A-Za-z0-9_-]/);
  if (foreign >= 0) return foreign;
  return segment.length % 4 === 1 ? segment.length : undefined;
}

function refused(description: string): DecodedToken {
  return { ok: false, description };
}
