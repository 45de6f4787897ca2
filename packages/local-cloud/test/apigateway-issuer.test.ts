import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startLocalIssuer } from "../src/apigateway/issuer.ts";
import {
  issuerDir,
  issuerRecordPath,
  loadOrCreateSigningKey,
  privateKeyPath,
  publicKeyPath,
} from "../src/apigateway/issuer-store.ts";
import { createJwtAuthorizer } from "../src/apigateway/jwt-authorizer.ts";
import { mintToken, TOKEN_USAGE, TokenUsageError, tokenCommand } from "../src/apigateway/token.ts";

let dataDir: string;
const stops: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "apigateway-issuer-"));
});

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function started(port?: number) {
  const issuer = await startLocalIssuer({ dataDir, port });
  stops.push(issuer.stop);
  return issuer;
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the local issuer", () => {
  it("serves its OIDC discovery document and JWKS on loopback", async () => {
    const issuer = await started(0);
    expect(issuer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const discovery = await getJson(`${issuer.issuer}/.well-known/openid-configuration`);
    expect(discovery.body).toMatchObject({
      issuer: issuer.issuer,
      jwks_uri: `${issuer.issuer}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ["RS256"],
    });
    expect(issuer.jwksUri).toBe(discovery.body.jwks_uri);
    const { keys } = (await getJson(issuer.jwksUri)).body as { keys: Record<string, string>[] };
    expect(keys).toHaveLength(1);
    expect(Object.keys(keys[0] ?? {}).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
    expect(keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect((await getJson(`${issuer.issuer}/other`)).status).toBe(404);
  });

  it("keeps its key as JWK files, the private one readable by its owner only", async () => {
    const issuer = await started(0);
    expect((await stat(privateKeyPath(dataDir))).mode & 0o777).toBe(0o600);
    const privateJwk = JSON.parse(await readFile(privateKeyPath(dataDir), "utf8"));
    const publicJwk = JSON.parse(await readFile(publicKeyPath(dataDir), "utf8"));
    expect(privateJwk.d).toEqual(expect.any(String));
    expect(publicJwk).toEqual({
      kty: "RSA",
      kid: privateJwk.kid,
      alg: "RS256",
      use: "sig",
      n: privateJwk.n,
      e: privateJwk.e,
    });
    expect(JSON.parse(await readFile(issuerRecordPath(dataDir), "utf8"))).toEqual({
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
    });
  });

  it("ends up with one key when several callers create it at once", async () => {
    const keys = await Promise.all(
      Array.from({ length: 6 }, () => loadOrCreateSigningKey(dataDir)),
    );
    expect(new Set(keys.map((key) => key.kid)).size).toBe(1);
    expect((await readdir(issuerDir(dataDir))).sort()).toEqual([
      "signing-key.jwk.json",
      "signing-key.public.jwk.json",
    ]);
  });

  it("comes back on the same URL with the same key, so earlier tokens still verify", async () => {
    const first = await started(0);
    const token = await mintToken({ dataDir, subject: "alice" });
    await first.stop();
    const second = await started();
    expect(second.issuer).toBe(first.issuer);
    const authorizer = createJwtAuthorizer({ issuer: second.issuer, audiences: ["file-platform"] });
    expect(await authorizer.authorize(token, [])).toMatchObject({
      ok: true,
      claims: { sub: "alice" },
    });
  });

  it("moves to a free port when its previous one is taken, and records the new URL", async () => {
    const first = await started(0);
    await first.stop();
    const squatter = createServer();
    const port = Number(new URL(first.issuer).port);
    await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
    stops.push(() => new Promise((resolve) => squatter.close(() => resolve())));
    const second = await started();
    expect(second.issuer).not.toBe(first.issuer);
    const record = JSON.parse(await readFile(issuerRecordPath(dataDir), "utf8"));
    expect(record.issuer).toBe(second.issuer);
    await expect(startLocalIssuer({ dataDir, port })).rejects.toThrow("EADDRINUSE");
  });
});

describe("mintToken", () => {
  it("refuses to mint before the issuer has ever run", async () => {
    await expect(mintToken({ dataDir, subject: "alice" })).rejects.toThrow("run `npm start` first");
  });

  it("signs the claims API Gateway reads with the issuer's key", async () => {
    const issuer = await started(0);
    const token = await mintToken({
      dataDir,
      subject: "alice",
      scopes: ["files:read", "files:write"],
    });
    const { kid } = JSON.parse(await readFile(privateKeyPath(dataDir), "utf8"));
    expect(decodeProtectedHeader(token)).toEqual({ alg: "RS256", kid, typ: "JWT" });
    const claims = decodeJwt(token);
    expect(claims).toEqual({
      iss: issuer.issuer,
      sub: "alice",
      aud: "file-platform",
      iat: expect.any(Number),
      nbf: claims.iat,
      exp: (claims.iat ?? 0) + 3600,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      scope: "files:read files:write",
      token_use: "access",
      client_id: "file-platform",
    });
    expect(Math.abs((claims.iat ?? 0) - Date.now() / 1000)).toBeLessThan(5);
  });
});

describe("tokenCommand", () => {
  it("mints from --sub, repeated --scope, --ttl and --aud", async () => {
    await started(0);
    const argv = [
      "--sub",
      "bob",
      "--scope",
      "files:read",
      "--scope",
      "files:write",
      "--ttl",
      "60",
      "--aud",
      "admin-app",
    ];
    const claims = decodeJwt(await tokenCommand(argv, dataDir));
    expect(claims).toMatchObject({
      sub: "bob",
      scope: "files:read files:write",
      aud: "admin-app",
      client_id: "admin-app",
      exp: (claims.iat ?? 0) + 60,
    });
  });

  it.each([
    [[], "--sub <user> is required"],
    [["--sub"], "Option '--sub <value>' argument missing"],
    [
      ["--sub", "bob", "--ttl", "soon"],
      '--ttl takes a whole number of seconds above 0, not "soon"',
    ],
    [["--sub", "bob", "--ttl", "0"], '--ttl takes a whole number of seconds above 0, not "0"'],
    [
      ["--sub", "bob", "--scope", "a b"],
      '--scope takes one scope without spaces (repeat --scope for more), not "a b"',
    ],
    [["--sub", "bob", "--scope"], "Option '--scope <value>' argument missing"],
    [["--sub", "bob", "--aud", ""], "--aud must not be empty"],
    [["--sub", "bob", "--admin"], "Unknown option '--admin'"],
    [["--sub", "bob", "extra"], "Unexpected argument 'extra'"],
  ])("refuses %j with a usage error", async (argv, problem) => {
    const attempt = tokenCommand(argv, dataDir);
    await expect(attempt).rejects.toThrow(TokenUsageError);
    await expect(attempt).rejects.toThrow(problem);
    await expect(attempt).rejects.toThrow(TOKEN_USAGE);
  });
});
