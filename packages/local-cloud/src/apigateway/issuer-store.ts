/**
 * The local issuer's files under `<dataDir>/issuer/`: its RS256 signing key as JWK files and
 * `issuer.json`, the URL it last served on. Shared by the issuer (which publishes the key) and
 * `mintToken` (which signs with it), so either may run first.
 */
import { randomUUID } from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import { z } from "zod";

const PrivateJwk = z.object({
  kty: z.literal("RSA"),
  kid: z.string().min(1),
  alg: z.literal("RS256"),
  use: z.literal("sig"),
  n: z.string(),
  e: z.string(),
  d: z.string(),
  p: z.string(),
  q: z.string(),
  dp: z.string(),
  dq: z.string(),
  qi: z.string(),
});
export type PrivateJwk = z.infer<typeof PrivateJwk>;

const IssuerRecord = z.object({ issuer: z.url(), jwksUri: z.url() });
export type IssuerRecord = z.infer<typeof IssuerRecord>;

export const issuerDir = (dataDir: string): string => join(dataDir, "issuer");
export const privateKeyPath = (dataDir: string): string =>
  join(issuerDir(dataDir), "signing-key.jwk.json");
export const publicKeyPath = (dataDir: string): string =>
  join(issuerDir(dataDir), "signing-key.public.jwk.json");
export const issuerRecordPath = (dataDir: string): string =>
  join(issuerDir(dataDir), "issuer.json");

/** The signing key's public half, as the JWKS publishes it. */
export function publicJwkOf(key: PrivateJwk): JWK {
  const { kty, kid, alg, use, n, e } = key;
  return { kty, kid, alg, use, n, e };
}

/** Reads the signing key, generating it on first use; the kid is its RFC 7638 thumbprint. */
export async function loadOrCreateSigningKey(dataDir: string): Promise<PrivateJwk> {
  const existing = await readSigningKey(dataDir);
  if (existing) return existing;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  const created = PrivateJwk.parse({ ...jwk, kid, alg: "RS256", use: "sig" });
  await mkdir(issuerDir(dataDir), { recursive: true, mode: 0o700 });
  // Written aside, then linked into place: link never overwrites, so when the issuer and a
  // token command race to create the key, one wins and both go on with the winner's.
  const aside = `${privateKeyPath(dataDir)}.${randomUUID()}.tmp`;
  await writeFile(aside, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  let won = true;
  try {
    await link(aside, privateKeyPath(dataDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    won = false;
  } finally {
    await unlink(aside);
  }
  if (!won) return loadOrCreateSigningKey(dataDir);
  await writeFile(publicKeyPath(dataDir), `${JSON.stringify(publicJwkOf(created), null, 2)}\n`);
  return created;
}

async function readSigningKey(dataDir: string): Promise<PrivateJwk | undefined> {
  const text = await readIfPresent(privateKeyPath(dataDir));
  if (text === undefined) return undefined;
  const parsed = PrivateJwk.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `${privateKeyPath(dataDir)} is not an RS256 private JWK; delete it to generate a new key`,
    );
  }
  return parsed.data;
}

export async function readIssuerRecord(dataDir: string): Promise<IssuerRecord | undefined> {
  const text = await readIfPresent(issuerRecordPath(dataDir));
  return text === undefined ? undefined : IssuerRecord.parse(JSON.parse(text));
}

export async function writeIssuerRecord(dataDir: string, record: IssuerRecord): Promise<void> {
  await mkdir(issuerDir(dataDir), { recursive: true, mode: 0o700 });
  await writeFile(issuerRecordPath(dataDir), `${JSON.stringify(record, null, 2)}\n`);
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
