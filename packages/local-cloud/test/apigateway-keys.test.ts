import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiKeys } from "../src/apigateway/api-keys.ts";

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
