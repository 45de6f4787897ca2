import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { CallerContext, callContextOf, invoke, issuesOf, ProxyRequest } from "../src/index.ts";

describe("the wire", () => {
  it("fills a request's mode and timeout, and bounds the timeout by Lambda's", () => {
    expect(ProxyRequest.parse({ operation: "audit.history", input: {} })).toEqual({
      operation: "audit.history",
      input: {},
      mode: "sync",
      timeoutMs: 10_000,
    });
    const tooLong = ProxyRequest.safeParse({ operation: "a.b", timeoutMs: 900_001 });
    expect(tooLong.error && issuesOf(tooLong.error)).toMatchObject([{ path: "timeoutMs" }]);
  });

  it("requires a caller and a correlation id in ClientContext", () => {
    expect(CallerContext.safeParse({ custom: { correlationId: "c" } }).success).toBe(false);
    expect(CallerContext.parse({ custom: { caller: "upload", correlationId: "c" } })).toEqual({
      custom: { caller: "upload", correlationId: "c", causationId: null },
    });
  });

  it("lets a target read who called and the chain, when the proxy gave them", () => {
    const custom = {
      caller: "upload",
      operation: "imaging.describe",
      correlationId: "c",
      causationId: null,
    };
    expect(callContextOf({ clientContext: { custom } })).toEqual(custom);
    expect(callContextOf({})).toBeUndefined();
  });

  it("names each issue's path inside what was checked", () => {
    const schema = z.object({ items: z.array(z.object({ id: z.string() })) });
    const result = schema.safeParse({ items: [{ id: 1 }] });
    expect(result.error && issuesOf(result.error)).toEqual([
      { path: "items[0].id", message: "Invalid input: expected string, received number" },
    ]);
  });
});

describe("invoke, as a platform function", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("refuses to call without knowing its service or its proxy", async () => {
    vi.stubEnv("PLATFORM_SERVICE", "");
    await expect(invoke("audit.history", { actorId: "u1" })).rejects.toThrow(
      "PLATFORM_SERVICE is not set: this function cannot name itself",
    );
    vi.stubEnv("PLATFORM_SERVICE", "upload");
    await expect(invoke("audit.history", { actorId: "u1" })).rejects.toThrow(
      "InvokeProxy is not linked to this function (no SST_RESOURCE_InvokeProxy)",
    );
  });
});
