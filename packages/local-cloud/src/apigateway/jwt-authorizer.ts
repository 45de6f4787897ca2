/**
 * API Gateway's HTTP API JWT authorizer, applied the way its documentation lays out ("Control
 * access to HTTP APIs with JWT authorizers"): take the token from the identity source, decode
 * it, check its algorithm and signature against the issuer's JWKS, validate kid, iss, aud or
 * client_id, exp, nbf and iat, then the route's scopes; refuse with what API Gateway sends.
 */
import { compactVerify, errors, type KeyInput } from "jose";
import { claimProblem, claimStrings, scopesOf } from "./jwt-claims.ts";
import { decodeToken } from "./jwt-decode.ts";
import { type JwksSource, keyLookup } from "./jwt-keys.ts";
import type { AuthorizationResult, JwtAuthorizer } from "./ports.ts";

export type { JwksSource } from "./jwt-keys.ts";

export interface JwtAuthorizerConfig {
  /** Compared with `iss` exactly; discovery reads `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /** A token's `aud` (or, without one, its `client_id`) must hold one of these. */
  audiences: string[];
  /** Default: discovered from the issuer. */
  jwks?: JwksSource;
  now?: () => Date;
}

/**
 * "Currently, only RSA-based algorithms are supported" (AWS). An ES256 token is refused in the
 * cloud with "signing method ES256 is invalid", and so are `none` and every HS*, which also
 * shuts out HS/RS confusion (an HMAC keyed with the issuer's public key).
 */
const RSA_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];

/**
 * AWS publishes neither text. A kid the JWKS does not hold gets the signature's wording too:
 * no key the issuer publishes can show that token genuine.
 */
const NO_MATCHING_KEY = "the token does not have a valid signature";
const INVALID_SIGNATURE = "the token does not have a valid signature";

export function createJwtAuthorizer(config: JwtAuthorizerConfig): JwtAuthorizer {
  const now = config.now ?? (() => new Date());
  const lookup = keyLookup(config.issuer, config.jwks, now);
  return {
    async authorize(authorization, requiredScopes): Promise<AuthorizationResult> {
      const token = tokenOf(authorization);
      if (token === undefined) return unauthorized("Bearer");
      const refuse = (description: string) =>
        unauthorized(
          `Bearer scope="${quoted(requiredScopes.join(" "))}" error="invalid_token" ` +
            `error_description="${quoted(description)}"`,
        );
      const decoded = decodeToken(token);
      if (!decoded.ok) return refuse(decoded.description);
      const { alg, header, payload } = decoded;
      if (!RSA_ALGORITHMS.includes(alg)) return refuse(`signing method ${alg} is invalid`);
      if (typeof header.kid !== "string") return refuse(NO_MATCHING_KEY);
      const [protectedHeader = "", body = "", signature = ""] = token.split(".");
      const keys = await lookup(
        { alg, kid: header.kid },
        { protected: protectedHeader, payload: body, signature },
      );
      if (keys.length === 0) return refuse(NO_MATCHING_KEY);
      if (!(await signedByAny(token, alg, keys))) return refuse(INVALID_SIGNATURE);
      const problem = claimProblem(payload, config, Math.floor(now().getTime() / 1000));
      if (problem !== undefined) return refuse(problem);
      const scopes = scopesOf(payload);
      if (requiredScopes.length > 0 && !requiredScopes.some((scope) => scopes.includes(scope))) {
        return { ok: false, status: 403, body: { message: "Forbidden" }, headers: {} };
      }
      return { ok: true, claims: claimStrings(payload), scopes };
    },
  };
}

/** The identity source "can include only the token, or the token prefixed with Bearer" (AWS). */
function tokenOf(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.trim() === "") return undefined;
  return authorization.startsWith("Bearer ")
    ? authorization.slice("Bearer ".length)
    : authorization;
}

async function signedByAny(token: string, alg: string, keys: KeyInput[]): Promise<boolean> {
  for (const key of keys) {
    try {
      await compactVerify(token, key, { algorithms: [alg] });
      return true;
    } catch (error) {
      // A JOSE error or a key unfit for the algorithm is a bad signature; anything else is a bug.
      if (!(error instanceof errors.JOSEError || error instanceof TypeError)) throw error;
    }
  }
  return false;
}

function unauthorized(challenge: string): AuthorizationResult {
  return {
    ok: false,
    status: 401,
    body: { message: "Unauthorized" },
    headers: { "www-authenticate": challenge },
  };
}

const quoted = (text: string) => text.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
