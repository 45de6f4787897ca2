import { DescribeImage } from "@platform/events";
import { createInvoker, InvokeError, type Invoker } from "@platform/invoke";
import { startTestCloud, type TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_FILES } from "./fixtures/files.ts";
import { manifests } from "./fixtures/manifests.ts";
import { callAs, describeCalls, proxyEvents, proxyLog } from "./support/platform.ts";

let cloud: TestCloud;
let upload: Invoker;
/** Every call made through the proxy in this file, by correlation id. */
const made: string[] = [];
const ids = (name: string) => {
  const correlationId = `${name}-${crypto.randomUUID()}`;
  made.push(correlationId);
  return { correlationId };
};

beforeAll(async () => {
  cloud = await startTestCloud({ manifests });
  upload = createInvoker({
    lambda: cloud.clientConfig,
    proxyName: cloud.names.proxy,
    caller: "upload",
  });
}, 120_000);
afterAll(async () => {
  upload?.close();
  await cloud?.stop();
});

describe("calls the proxy lets through", () => {
  it("answers a sync call with the typed output, and hands the target the ids", async () => {
    const fileId = crypto.randomUUID();
    const { correlationId } = ids("sync");
    const result = await upload.invoke(
      "imaging.describe",
      { fileId },
      { correlationId, causationId: "event-7" },
    );
    expect(result).toEqual({
      ok: true,
      output: expect.objectContaining({ fileId, state: "ready" }),
    });
    if (result.ok) expect(DescribeImage.output.parse(result.output)).toEqual(result.output);
    const calls = (await describeCalls(cloud)).filter((c) => c.fileId === fileId);
    expect(calls).toEqual([
      {
        fileId,
        input: { fileId },
        clientContext: {
          custom: {
            caller: "upload",
            operation: "imaging.describe",
            correlationId,
            causationId: "event-7",
          },
        },
      },
    ]);
  });

  it("lets a platform function call as its own service, with the input's defaults applied", async () => {
    const fileId = crypto.randomUUID();
    const result = await callAs(cloud, "upload", "audit.history", { fileId }, ids("history"));
    expect(result.ok).toBe(true);
    expect(result.output.items[0].detail).toMatchObject({
      input: { fileId, limit: 50 },
      clientContext: { custom: { caller: "upload", operation: "audit.history" } },
    });
  });

  it("hands an async call over at once, and the target really runs it", async () => {
    const fileId = crypto.randomUUID();
    const result = await upload.invoke(
      "imaging.describe",
      { fileId },
      { mode: "async", ...ids("async") },
    );
    expect(result).toEqual({ ok: true, output: undefined });
    // Lambda gives ClientContext to synchronous invocations only.
    expect((await describeCalls(cloud)).filter((c) => c.fileId === fileId)).toEqual([
      { fileId, input: { fileId }, clientContext: null },
    ]);
  });
});

describe("calls the proxy refuses", () => {
  it("denies a service not on the allow-list, before the target, and logs and publishes it", async () => {
    const fileId = crypto.randomUUID();
    const { correlationId } = ids("denied");
    const result = await callAs(
      cloud,
      "stranger",
      "imaging.describe",
      { fileId },
      { correlationId },
    );
    expect(result).toEqual({
      ok: false,
      error: {
        name: "InvokeError",
        code: "denied",
        operation: "imaging.describe",
        message: 'imaging.describe: denied: service "stranger" may not call imaging.describe',
      },
    });
    expect((await describeCalls(cloud)).filter((c) => c.fileId === fileId)).toEqual([]);
    const lines = proxyLog(cloud).filter((l) => l.correlationId === correlationId);
    expect(lines).toEqual([
      expect.objectContaining({
        caller: "stranger",
        operation: "imaging.describe",
        target: "ImagingDescribe",
        outcome: "denied",
        errorCode: "caller_not_allowed",
      }),
    ]);
    const events = (await proxyEvents(cloud)).filter(
      (e) => e.metadata.correlationId === correlationId,
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.metadata.actor).toEqual({ type: "service", id: "stranger" });
    expect(events[0]?.data).toMatchObject({ caller: "stranger", outcome: "denied" });
  });

  it("denies a call that names no caller", async () => {
    const before = proxyLog(cloud).length;
    const answer = await cloud.lambda.invoke(
      cloud.names.proxy,
      JSON.stringify({ operation: "imaging.describe", input: { fileId: crypto.randomUUID() } }),
    );
    expect(answer.ok && JSON.parse(answer.payload)).toEqual({
      ok: false,
      error: {
        code: "denied",
        message: "the call names no caller (ClientContext.custom.caller)",
      },
    });
    expect(proxyLog(cloud).slice(before)).toEqual([
      expect.objectContaining({ caller: "(none)", outcome: "denied", errorCode: "caller_missing" }),
    ]);
  });

  it("answers unknown_operation for an operation no manifest exposes", async () => {
    const result = await upload.invoke("imaging.erase" as never, {} as never, ids("unknown"));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(InvokeError);
    expect(result.error).toMatchObject({
      code: "unknown_operation",
      operation: "imaging.erase",
      message: "imaging.erase: unknown_operation: no manifest exposes imaging.erase",
    });
  });

  it("answers invalid_input for a malformed input, which never reaches the target", async () => {
    const marker = `not-a-file-${crypto.randomUUID()}`;
    const result = await upload.invoke(
      "imaging.describe",
      { fileId: marker } as never,
      ids("invalid"),
    );
    expect(result).toMatchObject({
      ok: false,
      error: { code: "invalid_input", issues: [{ path: "fileId", message: "Invalid UUID" }] },
    });
    expect((await describeCalls(cloud)).filter((c) => c.fileId === marker)).toEqual([]);
  });
});

describe("targets that fail", () => {
  it("answers timeout once timeoutMs has passed, however long the target takes", async () => {
    const result = await upload.invoke(
      "imaging.describe",
      { fileId: FIXTURE_FILES.slow },
      { timeoutMs: 300, ...ids("timeout") },
    );
    expect(result).toMatchObject({
      ok: false,
      error: { code: "timeout", message: "imaging.describe: timeout: no answer within 300 ms" },
    });
  });

  it("answers target_failed when the target throws", async () => {
    const result = await upload.invoke(
      "imaging.describe",
      { fileId: FIXTURE_FILES.failing },
      ids("throws"),
    );
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: "target_failed",
        message: `imaging.describe: target_failed: FileNotFound: no file ${FIXTURE_FILES.failing}`,
      },
    });
  });

  it("answers target_failed, errorCode invalid_output, when the output breaks its contract", async () => {
    const { correlationId } = ids("invalid-output");
    const result = await upload.invoke(
      "imaging.describe",
      { fileId: FIXTURE_FILES.invalidOutput },
      { correlationId },
    );
    expect(result).toMatchObject({
      ok: false,
      error: { code: "target_failed", issues: [{ path: "state" }] },
    });
    expect(proxyLog(cloud).find((l) => l.correlationId === correlationId)).toMatchObject({
      outcome: "target_failed",
      errorCode: "invalid_output",
    });
  });
});

describe("the call log", () => {
  it("has exactly one line per call with the fixed fields, and one event with the same data", async () => {
    const lines = proxyLog(cloud);
    const events = await proxyEvents(cloud);
    // Every call above, plus the one that named no caller; nothing else on stdout.
    expect(lines).toHaveLength(made.length + 1);
    expect(events).toHaveLength(made.length + 1);
    for (const correlationId of made) {
      const mine = lines.filter((l) => l.correlationId === correlationId);
      expect(mine, correlationId).toHaveLength(1);
      const { timestamp, correlationId: _, errorCode, ...data } = mine[0] ?? {};
      expect(new Date(String(timestamp)).toISOString()).toBe(timestamp);
      const event = events.filter((e) => e.metadata.correlationId === correlationId);
      expect(event, correlationId).toHaveLength(1);
      expect(event[0]?.data).toEqual(errorCode === null ? data : { ...data, errorCode });
    }
    expect(lines.map((l) => l.outcome).sort()).toEqual(
      [
        "denied",
        "denied",
        "invalid_input",
        "ok",
        "ok",
        "ok",
        "target_failed",
        "target_failed",
        "timeout",
        "unknown_operation",
      ].sort(),
    );
  });
});
