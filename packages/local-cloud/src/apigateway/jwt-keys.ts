/**
 * Finds the public keys a token's header names, from the issuer's JWKS: discovered through
 * `${issuer}/.well-known/openid-configuration`, cached (API Gateway keeps an issuer's keys up to
 * two hours), and fetched again when a token names a key not yet seen, at most once a minute.
 */
import {
  type CompactJWSHeaderParameters,
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  type KeyInput,
} from "jose";
import { z } from "zod";

/** Left out: discovery from the issuer. A URL: that JWKS. A key set or resolver: used as is. */
export type JwksSource = URL | JSONWebKeySet | JWTVerifyGetKey;

/** The keys that might have signed the token (usually one; none when its kid is unknown). */
export type KeyLookup = (
  header: CompactJWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<KeyInput[]>;

const KEEP_KEYS_MS = 2 * 60 * 60 * 1000;
const REFETCH_COOLDOWN_MS = 60 * 1000;
const FETCH_TIMEOUT_MS = 5_000;

const Discovery = z.object({ jwks_uri: z.url() });

export function keyLookup(
  issuer: string,
  source: JwksSource | undefined,
  now: () => Date,
): KeyLookup {
  if (source === undefined || source instanceof URL) return remoteLookup(issuer, source, now);
  return lookupWith(typeof source === "function" ? source : createLocalJWKSet(source));
}

/** Adapts a jose resolver: "no matching key" becomes an empty list, several matches a list. */
function lookupWith(getKey: JWTVerifyGetKey): KeyLookup {
  return async (header, token) => {
    try {
      return [await getKey(header, token)];
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) return [];
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
      const keys: KeyInput[] = [];
      for await (const key of error) keys.push(key);
      return keys;
    }
  };
}

function remoteLookup(issuer: string, jwksUrl: URL | undefined, now: () => Date): KeyLookup {
  let cached: { lookup: KeyLookup; fetchedAt: number } | undefined;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<KeyLookup> | undefined;

  const fetchKeys = async (): Promise<KeyLookup> => {
    lastAttempt = now().getTime();
    try {
      const url = jwksUrl ?? new URL(Discovery.parse(await getJson(discoveryUrl(issuer))).jwks_uri);
      const lookup = lookupWith(createLocalJWKSet((await getJson(url)) as JSONWebKeySet));
      cached = { lookup, fetchedAt: lastAttempt };
      return lookup;
    } catch (error) {
      // Keys already held stay in use while the issuer is unreachable.
      if (cached) return cached.lookup;
      const reason = (error as Error).message;
      throw new Error(`cannot fetch the signing keys of issuer ${issuer}: ${reason}`, {
        cause: error,
      });
    }
  };
  // Concurrent requests share one fetch.
  const refresh = () => {
    inFlight ??= fetchKeys().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const mayFetch = () => now().getTime() - lastAttempt >= REFETCH_COOLDOWN_MS;
  return async (header, token) => {
    const stale = !cached || now().getTime() - cached.fetchedAt >= KEEP_KEYS_MS;
    const lookup = cached && !(stale && mayFetch()) ? cached.lookup : await refresh();
    const keys = await lookup(header, token);
    // An unknown kid may be a key the issuer has just rotated in.
    return keys.length > 0 || !mayFetch() ? keys : (await refresh())(header, token);
  };
}

function discoveryUrl(issuer: string): URL {
  return new URL(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`);
}

async function getJson(url: URL): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}
