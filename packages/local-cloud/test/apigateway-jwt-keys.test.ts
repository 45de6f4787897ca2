import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type LocalIssuer, startLocalIssuer } from "../src/apigateway/issuer.ts";
import { privateKeyPath, publicJwkOf } from "../src/apigateway/issuer-store.ts";
import { createJwtAuthorizer } from "../src/apigateway/jwt-authorizer.ts";
import { mintToken } from "../src/apigateway/token.ts";

let dataDir: string;
let issuer: LocalIssuer;
/** The authorizer's clock, moved by hand; tokens still carry real times. */
let clock: number;
const now = () => new Date(clock);

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "apigateway-jwt-keys-"));
  issuer = await startLocalIssuer({ dataDir, port: 0 });
  clock = Date.now();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await issuer.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Counts the authorizer's requests for the JWKS document. */
function countJwksFetches(): () => number {
  const spy = vi.spyOn(globalThis, "fetch");
  return () => spy.mock.calls.filter(([url]) => String(url) === issuer.jwksUri).length;
}

/** Replaces the issuer's key on disk; the next token minted is signed by a new one. */
async function rotateKey(): Promise<void> {
  await rm(privateKeyPath(dataDir));
}

describe("the JWT authorizer's keys", () => {
  it("fetch a rotated-in key when a token names an unseen kid, at most once a minute", async () => {
    const fetches = countJwksFetches();
    const authorizer = createJwtAuthorizer({
      issuer: issuer.issuer,
      audiences: ["file-platform"],
      now,
    });
    const before = await mintToken({ dataDir, subject: "alice" });
    expect(await authorizer.authorize(before, [])).toMatchObject({ ok: true });
    expect(fetches()).toBe(1);

    await rotateKey();
    const after = await mintToken({ dataDir, subject: "alice" });
    clock += 30_000;
    expect(await authorizer.authorize(after, [])).toMatchObject({ ok: false, status: 401 });
    expect(fetches()).toBe(1);

    clock += 30_000;
    expect(await authorizer.authorize(after, [])).toMatchObject({ ok: true });
    expect(fetches()).toBe(2);
    // The old key is no longer published: its tokens now fail, and do not set off another fetch.
    expect(await authorizer.authorize(before, [])).toMatchObject({ ok: false, status: 401 });
    expect(fetches()).toBe(2);
  });

  it("are kept up to two hours, then fetched again", async () => {
    const fetches = countJwksFetches();
    const authorizer = createJwtAuthorizer({
      issuer: issuer.issuer,
      audiences: ["file-platform"],
      now,
    });
    const token = await mintToken({ dataDir, subject: "alice", ttlSeconds: 3 * 3600 });
    await authorizer.authorize(token, []);
    clock += 2 * 3600 * 1000 - 1000;
    await authorizer.authorize(token, []);
    expect(fetches()).toBe(1);
    clock += 1000;
    expect(await authorizer.authorize(token, [])).toMatchObject({ ok: true });
    expect(fetches()).toBe(2);
  });

  it("may be given as a key set or a JWKS URL instead of discovery", async () => {
    const token = await mintToken({ dataDir, subject: "alice" });
    const key = JSON.parse(await readFile(privateKeyPath(dataDir), "utf8"));
    const audiences = ["file-platform"];
    const fromSet = createJwtAuthorizer({
      issuer: issuer.issuer,
      audiences,
      jwks: { keys: [publicJwkOf(key)] },
    });
    expect(await fromSet.authorize(token, [])).toMatchObject({ ok: true });
    const spy = vi.spyOn(globalThis, "fetch");
    const fromUrl = createJwtAuthorizer({
      issuer: issuer.issuer,
      audiences,
      jwks: new URL(issuer.jwksUri),
    });
    expect(await fromUrl.authorize(token, [])).toMatchObject({ ok: true });
    expect(spy.mock.calls.map(([url]) => String(url))).toEqual([issuer.jwksUri]);
  });

  it("fail loudly, not as a 401, when the issuer cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const gone = `http://127.0.0.1:${port}`;
    const authorizer = createJwtAuthorizer({ issuer: gone, audiences: ["file-platform"] });
    const token = await mintToken({ dataDir, subject: "alice" });
    await expect(authorizer.authorize(token, [])).rejects.toThrow(
      `cannot fetch the signing keys of issuer ${gone}`,
    );
  });
});
