import { describe, expect, it } from "vitest";
import { backoffMs, retryAfterMs, runAttempts, verdictOf } from "../../src/attempts.ts";
import type { Attempt } from "../../src/ports.ts";
import { POLICIES } from "../../src/settings.ts";
import { status } from "../support/fakes.ts";

function scripted(...answers: Attempt[]) {
  let clock = 0;
  const waits: number[] = [];
  let calls = 0;
  return {
    send: async () => {
      calls++;
      return answers.shift() ?? status(200);
    },
    calls: () => calls,
    waits,
    ctx: (overrides: { deadline?: number; random?: () => number } = {}) => ({
      policy: POLICIES.cloud,
      now: () => new Date(clock),
      sleep: async (ms: number) => {
        waits.push(ms);
        clock += ms;
      },
      random: () => 0.999,
      deadline: 10 * 60_000,
      ...overrides,
    }),
  };
}

describe("what is retried", () => {
  it.each([
    [status(200), "delivered"],
    [status(204), "delivered"],
    [status(500), "retry"],
    [status(503), "retry"],
    [status(429), "retry"],
    [{ kind: "network", error: "ECONNRESET" } as Attempt, "retry"],
    [{ kind: "timeout" } as Attempt, "retry"],
    [status(400), "final"],
    [status(404), "final"],
    [status(410), "final"],
    [status(302), "final"],
    [{ kind: "refused", error: "10.0.0.1 is private" } as Attempt, "final"],
  ])("%o is %s", (attempt, verdict) => {
    expect(verdictOf(attempt)).toBe(verdict);
  });

  it("reads Retry-After as delay-seconds or as an IMF-fixdate", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(retryAfterMs("2", now)).toBe(2000);
    expect(retryAfterMs("7", now)).toBe(7000);
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:03 GMT", now)).toBe(3000);
    expect(retryAfterMs("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it.each([
    "1.5",
    "-1",
    "+2",
    "2 s",
    "",
    "soon",
    "2026-01-01T00:00:03Z",
    "Thu, 1 Jan 2026 00:00:03 GMT",
  ])("ignores the Retry-After %o, which is neither", (header) => {
    expect(retryAfterMs(header, new Date("2026-01-01T00:00:00Z"))).toBeUndefined();
  });

  it("backs off exponentially with full jitter, up to the cap", () => {
    const { cloud } = POLICIES;
    expect(backoffMs(1, cloud, () => 0.999)).toBe(999);
    expect(backoffMs(3, cloud, () => 0.999)).toBe(3996);
    expect(backoffMs(10, cloud, () => 0.999)).toBe(15_984);
    expect(backoffMs(3, cloud, () => 0)).toBe(0);
  });
});

describe("a run of attempts", () => {
  it("retries 500 twice, then delivers on the third attempt", async () => {
    const run = scripted(status(500), status(502), status(200, "ok"));
    expect(await runAttempts(run.send, run.ctx())).toEqual({
      status: "delivered",
      attempts: 3,
      responseStatus: 200,
      responseExcerpt: "ok",
    });
    expect(run.waits).toEqual([999, 1998]);
  });

  it("does not retry a 4xx other than 429", async () => {
    const run = scripted(status(400, "bad"));
    expect(await runAttempts(run.send, run.ctx())).toEqual({
      status: "rejected",
      attempts: 1,
      responseStatus: 400,
      responseExcerpt: "bad",
      error: "HTTP 400",
    });
    expect(run.calls()).toBe(1);
  });

  it("waits as long as a 429's Retry-After asks, within the policy's limit", async () => {
    const run = scripted({ kind: "answered", status: 429, retryAfter: "12", excerpt: "" });
    expect((await runAttempts(run.send, run.ctx())).status).toBe("delivered");
    expect(run.waits).toEqual([12_000]);
  });

  it("leaves a longer Retry-After to the next run", async () => {
    const run = scripted({ kind: "answered", status: 503, retryAfter: "3600", excerpt: "" });
    const result = await runAttempts(run.send, run.ctx());
    expect(result).toMatchObject({ status: "failed", attempts: 1 });
    expect(result.error).toBe("HTTP 503; Retry-After of 3600 s is left to the next run");
  });

  it("gives up after the policy's attempts", async () => {
    const run = scripted(...Array.from({ length: 9 }, () => ({ kind: "timeout" }) as Attempt));
    const result = await runAttempts(run.send, run.ctx());
    expect(result).toEqual({
      status: "failed",
      attempts: POLICIES.cloud.attempts,
      error: "no answer within 10000 ms",
    });
  });

  it("stops when the invocation has no time left for another attempt, its excerpt and its records", async () => {
    // Cloud: 10 s per attempt, 1 s for the excerpt, 2 s for the records; waits of 999 ms then 1998 ms.
    const run = scripted(status(500), status(500), status(500));
    const result = await runAttempts(run.send, run.ctx({ deadline: 15_000 }));
    expect(result).toMatchObject({ status: "failed", attempts: 2 });
    expect(result.error).toBe("HTTP 500; no time left in this run");
  });

  it("makes no attempt when the deadline leaves no time for one", async () => {
    const run = scripted(status(200));
    const result = await runAttempts(run.send, run.ctx({ deadline: 12_999 }));
    expect(result).toEqual({ status: "failed", attempts: 0, error: "no time left in this run" });
    expect(run.calls()).toBe(0);
  });
});
