/**
 * Mints access tokens from the local issuer's key, for `npm run token` and for tests: the same
 * shape of token the API's JWT authorizer accepts in the cloud.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { importJWK, SignJWT } from "jose";
import { loadOrCreateSigningKey, readIssuerRecord } from "./issuer-store.ts";

export const DEFAULT_AUDIENCE = "file-platform";

export interface MintTokenOptions {
  dataDir: string;
  subject: string;
  scopes?: string[];
  /** Default 3600. Zero or negative mints an already expired token, for tests. */
  ttlSeconds?: number;
  /** Default "file-platform". Also the token's `client_id`, as for a Cognito app client. */
  audience?: string;
  /** Extra claims, applied last so a test can also replace a standard one. */
  claims?: Record<string, unknown>;
}

export async function mintToken(options: MintTokenOptions): Promise<string> {
  const { dataDir, subject, scopes = [], ttlSeconds = 3600 } = options;
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  if (subject === "") throw new Error("mintToken: subject must not be empty");
  if (!Number.isInteger(ttlSeconds)) throw new Error("mintToken: ttlSeconds must be an integer");
  const spaced = scopes.find((scope) => scope === "" || /\s/.test(scope));
  if (spaced !== undefined) throw new Error(`mintToken: invalid scope ${JSON.stringify(spaced)}`);
  const record = await readIssuerRecord(dataDir);
  if (!record) {
    throw new Error(
      `The local issuer has never run with data directory ${dataDir}, so there is no issuer URL ` +
        "to put in a token: run `npm start` first, then mint tokens.",
    );
  }
  const jwk = await loadOrCreateSigningKey(dataDir);
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: record.issuer,
    sub: subject,
    aud: audience,
    iat: now,
    nbf: now,
    exp: now + ttlSeconds,
    jti: randomUUID(),
    ...(scopes.length > 0 ? { scope: scopes.join(" ") } : {}),
    token_use: "access",
    client_id: audience,
    ...options.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: jwk.kid, typ: "JWT" })
    .sign(await importJWK(jwk, "RS256"));
}

export const TOKEN_USAGE =
  "usage: npm run token -- --sub <user> [--scope <scope>]... [--ttl <seconds>] [--aud <audience>]";

/** A mistake in the command line; the message ends with the usage line. */
export class TokenUsageError extends Error {
  override readonly name = "TokenUsageError";
  constructor(problem: string) {
    super(`${problem}\n${TOKEN_USAGE}`);
  }
}

/** `npm run token -- --sub alice --scope files:write`: returns the token to print. */
export async function tokenCommand(argv: string[], dataDir: string): Promise<string> {
  let values: { sub?: string; scope?: string[]; ttl?: string; aud?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        sub: { type: "string" },
        scope: { type: "string", multiple: true },
        ttl: { type: "string" },
        aud: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new TokenUsageError((error as Error).message);
  }
  if (!values.sub) throw new TokenUsageError("--sub <user> is required");
  if (values.ttl !== undefined && !/^[1-9]\d*$/.test(values.ttl)) {
    throw new TokenUsageError(`--ttl takes a whole number of seconds above 0, not "${values.ttl}"`);
  }
  const badScope = values.scope?.find((scope) => scope === "" || /\s/.test(scope));
  if (badScope !== undefined) {
    throw new TokenUsageError(
      `--scope takes one scope without spaces (repeat --scope for more), not "${badScope}"`,
    );
  }
  if (values.aud === "") throw new TokenUsageError("--aud must not be empty");
  return mintToken({
    dataDir,
    subject: values.sub,
    scopes: values.scope ?? [],
    ttlSeconds: values.ttl === undefined ? undefined : Number(values.ttl),
    audience: values.aud,
  });
}
