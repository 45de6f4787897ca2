import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApiKeys } from "../src/apigateway/api-keys.ts";
import { type HttpApi, startHttpApi } from "../src/apigateway/http-api.ts";
import type { HttpApiEvent } from "../src/apigateway/payload.ts";
import type { FunctionInvoker, JwtAuthorizer } from "../src/apigateway/ports.ts";

const PLAN = { rateLimit: 2, burstLimit: 3, quotaPerDay: 1000 };
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

let dir: string;
let keys: ApiKeys;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "api-keys-"));
  keys = new ApiKeys(dir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("API keys", () => {
  it("shows the key once and stores only its SHA-256", async () => {
    const created = await keys.create({ name: "billing", owner: "acme", plan: PLAN });
    expect(created.key).toMatch(/^[0-9a-f]{40}$/);
    expect(created.id).toMatch(/^[a-z0-9]{10}$/);
    const text = await readFile(join(dir, "api-keys.json"), "utf8");
    expect(text).not.toContain(created.key);
    expect(JSON.parse(text)).toEqual({
      version: 1,
      keys: [
        {
          id: created.id,
          name: "billing",
          owner: "acme",
          plan: PLAN,
          keyHash: sha256(created.key),
          createdAt: expect.any(String),
        },
      ],
    });
    expect(await keys.list()).toEqual([
      { id: created.id, name: "billing", owner: "acme", plan: PLAN, createdAt: created.createdAt },
    ]);
    expect((await readdir(dir)).sort()).toEqual(["api-keys.json"]);
  });

  it("accepts a key and names its owner", async () => {
    const { id, key } = await keys.create({ name: "billing", owner: "acme", plan: PLAN });
    expect(await keys.check(key, T0)).toEqual({ ok: true, apiKeyId: id, owner: "acme" });
  });

  it("refuses an unknown key and a revoked one with 403 Forbidden", async () => {
    const { id, key } = await keys.create({ name: "billing", owner: "acme", plan: PLAN });
    const forbidden = { ok: false, status: 403, body: { message: "Forbidden" }, headers: {} };
    expect(await keys.check("not-a-key", T0)).toEqual(forbidden);
    const revoked = await keys.revoke(id);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect(await keys.check(key, T0)).toEqual(forbidden);
    await expect(keys.revoke("nosuchkey0")).rejects.toThrow("no API key with id nosuchkey0");
  });

  it("lets a burst through, then throttles at the rate with Retry-After", async () => {
    const { key } = await keys.create({ name: "billing", owner: "acme", plan: PLAN });
    for (let i = 0; i < 3; i++) expect((await keys.check(key, T0)).ok).toBe(true);
    expect(await keys.check(key, T0)).toEqual({
      ok: false,
      status: 429,
      body: { message: "Too Many Requests" },
      headers: { "retry-after": "1" },
    });
    // Two tokens a second: after 500 ms one is back, and only one.
    expect((await keys.check(key, T0 + 500)).ok).toBe(true);
    expect((await keys.check(key, T0 + 500)).ok).toBe(false);
  });

  it("says how long until the next token in Retry-After", async () => {
    const slow = { rateLimit: 0.1, burstLimit: 1, quotaPerDay: 1000 };
    const { key } = await keys.create({ name: "batch", owner: "acme", plan: slow });
    expect((await keys.check(key, T0)).ok).toBe(true);
    const refused = await keys.check(key, T0 + 2_000);
    expect(refused.ok === false && refused.headers).toEqual({ "retry-after": "8" });
  });

  it("refuses past the daily quota until the next UTC day", async () => {
    const plan = { rateLimit: 100, burstLimit: 100, quotaPerDay: 2 };
    const { key } = await keys.create({ name: "nightly", owner: "acme", plan });
    const late = Date.UTC(2026, 0, 15, 23, 59, 30);
    expect((await keys.check(key, late)).ok).toBe(true);
    expect((await keys.check(key, late)).ok).toBe(true);
    expect(await keys.check(key, late)).toEqual({
      ok: false,
      status: 429,
      body: { message: "Limit Exceeded" },
      headers: { "retry-after": "30" },
    });
    expect((await keys.check(key, Date.UTC(2026, 0, 16, 0, 0, 1))).ok).toBe(true);
  });

  it("sees keys another process creates or revokes, through the file", async () => {
    const running = new ApiKeys(dir);
    expect((await running.check("whatever", T0)).ok).toBe(false);
    const { id, key } = await keys.create({ name: "billing", owner: "acme", plan: PLAN });
    expect((await running.check(key, T0)).ok).toBe(true);
    await keys.revoke(id);
    expect(await running.check(key, T0)).toMatchObject({ status: 403 });
  });

  it("refuses a plan API Gateway would refuse", async () => {
    await expect(
      keys.create({ name: "x", owner: "y", plan: { ...PLAN, burstLimit: 0 } }),
    ).rejects.toThrow("burst limit must be a positive integer");
    await expect(keys.create({ name: " ", owner: "y", plan: PLAN })).rejects.toThrow(
      "an API key needs a name",
    );
  });
});

describe("API keys on the HTTP API", () => {
  const events: HttpApiEvent[] = [];
  const invoker: FunctionInvoker = {
    async invoke(_name, payload) {
      events.push(JSON.parse(payload) as HttpApiEvent);
      return { ok: true, payload: JSON.stringify({ statusCode: 200, body: "ok" }) };
    },
  };
  const jwtCalls: (string | undefined)[] = [];
  const authorizer: JwtAuthorizer = {
    async authorize(authorization) {
      jwtCalls.push(authorization);
      return { ok: false, status: 401, body: { message: "Unauthorized" }, headers: {} };
    },
  };
  let api: HttpApi;
  let keyDir: string;
  let serverKeys: ApiKeys;

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), "api-keys-http-"));
    serverKeys = new ApiKeys(keyDir);
    api = await startHttpApi({
      port: 0,
      routes: [
        {
          method: "POST",
          path: "/reports",
          functionName: "Reports",
          auth: "jwt",
          scopes: ["reports/write"],
        },
        { method: "GET", path: "/health", functionName: "Health", auth: "public", scopes: [] },
      ],
      invoker,
      authorizer,
      apiKeys: serverKeys,
      cors: {
        allowOrigins: [],
        allowMethods: [],
        allowHeaders: [],
        exposeHeaders: [],
        maxAgeSeconds: 0,
      },
    });
  });
  afterAll(async () => {
    await api.stop();
    await rm(keyDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    events.length = 0;
    jwtCalls.length = 0;
  });

  const post = (headers: Record<string, string>) =>
    fetch(`${api.url}/reports`, { method: "POST", headers, body: "{}" });

  it("lets a valid key in instead of a JWT, and tells the handler whose key it is", async () => {
    const { id, key } = await serverKeys.create({ name: "erp", owner: "acme", plan: PLAN });
    const reply = await post({ "x-api-key": key, authorization: "Bearer ignored" });
    expect(reply.status).toBe(200);
    expect(jwtCalls).toEqual([]);
    expect(events[0]?.requestContext.authorizer).toEqual({
      lambda: { apiKeyId: id, owner: "acme", principalType: "apiKey" },
    });
  });

  it("answers an unknown key with 403 Forbidden", async () => {
    const reply = await post({ "x-api-key": "0".repeat(40) });
    expect(reply.status).toBe(403);
    expect(await reply.json()).toEqual({ message: "Forbidden" });
    expect(events).toEqual([]);
  });

  it("answers a throttled key with 429 and Retry-After", async () => {
    const plan = { rateLimit: 1, burstLimit: 1, quotaPerDay: 100 };
    const { key } = await serverKeys.create({ name: "cron", owner: "acme", plan });
    expect((await post({ "x-api-key": key })).status).toBe(200);
    const reply = await post({ "x-api-key": key });
    expect(reply.status).toBe(429);
    expect(reply.headers.get("retry-after")).toBe("1");
    expect(await reply.json()).toEqual({ message: "Too Many Requests" });
  });

  it("falls back to the JWT authorizer without x-api-key, and skips both on public routes", async () => {
    expect((await post({ authorization: "Bearer x" })).status).toBe(401);
    expect(jwtCalls).toEqual(["Bearer x"]);
    const health = await fetch(`${api.url}/health`, { headers: { "x-api-key": "bogus" } });
    expect(health.status).toBe(200);
  });
});
