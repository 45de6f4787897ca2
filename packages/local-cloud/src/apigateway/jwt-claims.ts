/**
 * The claim checks of API Gateway's JWT authorizer, in the order its documentation lists them
 * (iss, aud or client_id, exp, nbf, iat), and the claims as it hands them to the integration.
 */

export const INVALID_ISSUER = "the token does not have a valid issuer";
/** The one description AWS documents word for word (HTTP API JWT troubleshooting page). */
export const INVALID_AUDIENCE = "the token does not have a valid audience";
export const EXPIRED = "the token has expired";
export const NOT_VALID_YET = "the token is not valid yet";

export interface ExpectedClaims {
  issuer: string;
  audiences: string[];
}

/**
 * The first claim that fails, as its error_description, or undefined when all hold. Times are
 * compared in whole seconds with no allowance for clock skew: AWS documents none.
 */
export function claimProblem(
  payload: Record<string, unknown>,
  expected: ExpectedClaims,
  nowSeconds: number,
): string | undefined {
  if (payload.iss !== expected.issuer) return INVALID_ISSUER;
  if (!audiencesOf(payload).some((audience) => expected.audiences.includes(audience))) {
    return INVALID_AUDIENCE;
  }
  // A token without exp is refused rather than treated as one that never expires.
  if (typeof payload.exp !== "number" || nowSeconds >= payload.exp) return EXPIRED;
  if (isLater(payload.nbf, nowSeconds) || isLater(payload.iat, nowSeconds)) return NOT_VALID_YET;
  return undefined;
}

/** `aud`; `client_id` counts only when the token has no `aud` at all. */
function audiencesOf(payload: Record<string, unknown>): string[] {
  const claimed = Object.hasOwn(payload, "aud") ? payload.aud : payload.client_id;
  return stringsOf(claimed);
}

/** A time claim the token carries that is not yet reached (or is no time at all). */
function isLater(claimed: unknown, nowSeconds: number): boolean {
  if (claimed === undefined) return false;
  return typeof claimed !== "number" || claimed > nowSeconds;
}

/** Scopes from `scope` (space-separated, as OAuth 2.0 writes it) or else `scp` (a list). */
export function scopesOf(payload: Record<string, unknown>): string[] {
  for (const name of ["scope", "scp"]) {
    const value = payload[name];
    if (typeof value === "string") return value.split(" ").filter((scope) => scope !== "");
    if (Array.isArray(value)) return stringsOf(value);
  }
  return [];
}

function stringsOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}

/**
 * Every claim as the string API Gateway passes in `requestContext.authorizer.jwt.claims`. It
 * prints values the way Go's fmt does: a list claim arrives as `[admins readers]`, a boolean
 * as `true`, a number as its digits.
 */
export function claimStrings(payload: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, goPrint(value)]));
}

function goPrint(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goPrint).join(" ")}]`;
  if (typeof value === "object") {
    // Go prints a map with its keys sorted: map[a:1 b:2].
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([key, item]) => `${key}:${goPrint(item)}`).join(" ")}]`;
  }
  return String(value);
}
