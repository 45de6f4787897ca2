import { InvocationCompleted } from "@platform/events";
import { describe, expect, it } from "vitest";
import { DEADLINE_MARGIN_MS, handleCall } from "../../src/call.ts";
import { eventData } from "../../src/record.ts";
import {
  answered,
  decodeContext,
  describeAnswer,
  FILE_ID,
  fakePorts,
  fromCaller,
  untilAborted,
} from "./fakes.ts";

const describeCall = (input: unknown = { fileId: FILE_ID }, extra: object = {}) => ({
  operation: "imaging.describe",
  input,
  mode: "sync",
  timeoutMs: 5_000,
  ...extra,
});

describe("a call the proxy lets through", () => {
  it("hands the validated input and the ids to the target, and answers its checked output", async () => {
    const fake = fakePorts(() => answered({ items: [] }));
    const answer = await handleCall(
      fake.ports,
      { operation: "audit.history", input: { fileId: FILE_ID }, mode: "sync", timeoutMs: 5_000 },
      fromCaller("upload", 60_000, { correlationId: "corr-9", causationId: "evt-3" }),
    );
    expect(answer).toEqual({ ok: true, output: { items: [] } });
    expect(fake.calls).toHaveLength(1);
    const [call] = fake.calls;
    expect(call?.functionName).toBe("platform-AuditHistory");
    expect(call?.mode).toBe("sync");
    // Defaults apply before the target sees the input.
    expect(JSON.parse(call?.payload ?? "")).toEqual({ fileId: FILE_ID, limit: 50 });
    expect(decodeContext(call?.clientContext ?? "")).toEqual({
      custom: {
        caller: "upload",
        operation: "audit.history",
        correlationId: "corr-9",
        causationId: "evt-3",
      },
    });
  });

  it("logs exactly one line with the fixed fields, and publishes the same record", async () => {
    const fake = fakePorts(() => answered(describeAnswer));
    await handleCall(
      fake.ports,
      describeCall(),
      fromCaller("upload", 60_000, { causationId: "e" }),
    );
    expect(fake.logs).toHaveLength(1);
    const line = JSON.parse(fake.logs[0] ?? "");
    expect(Object.keys(line)).toEqual([
      "timestamp",
      "correlationId",
      "caller",
      "operation",
      "target",
      "mode",
      "outcome",
      "durationMs",
      "requestBytes",
      "responseBytes",
      "errorCode",
    ]);
    expect(line).toMatchObject({
      correlationId: "corr-1",
      caller: "upload",
      operation: "imaging.describe",
      target: "ImagingDescribe",
      mode: "sync",
      outcome: "ok",
      requestBytes: JSON.stringify({ fileId: FILE_ID }).length,
      responseBytes: JSON.stringify(describeAnswer).length,
      errorCode: null,
    });
    expect(new Date(line.timestamp).toISOString()).toBe(line.timestamp);
    expect(fake.published).toHaveLength(1);
    const [{ record, causationId } = {} as never] = fake.published;
    expect(JSON.parse(JSON.stringify(record))).toEqual(line);
    expect(causationId).toBe("e");
    const data = eventData(record);
    expect(data).not.toHaveProperty("errorCode");
    expect(InvocationCompleted.versions[1].parse(data)).toEqual(data);
  });

  it("hands an async call over and answers without output", async () => {
    const fake = fakePorts(() => ({ kind: "accepted" }));
    const answer = await handleCall(
      fake.ports,
      describeCall(undefined, { mode: "async" }),
      fromCaller("upload"),
    );
    expect(answer).toEqual({ ok: true });
    expect(fake.calls[0]?.mode).toBe("async");
    expect(JSON.parse(fake.logs[0] ?? "")).toMatchObject({ mode: "async", outcome: "ok" });
  });
});

describe("a call the proxy refuses before the target", () => {
  it.each([
    [
      "without a caller",
      describeCall(),
      undefined,
      { code: "denied", errorCode: "caller_missing", target: "(none)" },
    ],
    [
      "from a caller not on the allow-list",
      describeCall(),
      "notify",
      { code: "denied", errorCode: "caller_not_allowed", target: "ImagingDescribe" },
    ],
    [
      "for an operation no manifest exposes",
      { operation: "imaging.erase", input: {} },
      "upload",
      { code: "unknown_operation", errorCode: "unknown_operation", target: "(none)" },
    ],
    [
      "with a malformed request",
      { input: {}, timeoutMs: -1 },
      "upload",
      { code: "invalid_input", errorCode: "invalid_request", target: "(none)" },
    ],
    [
      "with an input that does not match the operation",
      describeCall({ fileId: "../../etc/passwd" }),
      "upload",
      { code: "invalid_input", errorCode: "invalid_input", target: "ImagingDescribe" },
    ],
  ])("refuses a call %s, logs and publishes it", async (_, event, caller, expected) => {
    const fake = fakePorts(() => answered(describeAnswer));
    const answer = await handleCall(fake.ports, event, fromCaller(caller));
    expect(answer).toMatchObject({ ok: false, error: { code: expected.code } });
    expect(fake.calls).toEqual([]);
    const line = JSON.parse(fake.logs[0] ?? "");
    expect(line).toMatchObject({
      caller: caller ?? "(none)",
      outcome: expected.code,
      errorCode: expected.errorCode,
      target: expected.target,
      responseBytes: 0,
    });
    expect(fake.published.map((p) => p.record.outcome)).toEqual([expected.code]);
  });

  it("says which callers may call, and which fields are wrong", async () => {
    const fake = fakePorts(() => answered(describeAnswer));
    expect(await handleCall(fake.ports, describeCall(), fromCaller("notify"))).toEqual({
      ok: false,
      error: {
        code: "denied",
        message: 'service "notify" may not call imaging.describe',
      },
    });
    const bad = await handleCall(fake.ports, describeCall({ fileId: 7 }), fromCaller("upload"));
    expect(bad).toMatchObject({
      ok: false,
      error: { code: "invalid_input", issues: [{ path: "fileId" }] },
    });
    const malformed = await handleCall(fake.ports, { input: {} }, fromCaller("upload"));
    expect(malformed).toMatchObject({ error: { issues: [{ path: "operation" }] } });
  });

  it("denies a caller whose ClientContext is malformed, saying what is wrong", async () => {
    const fake = fakePorts(() => answered(describeAnswer));
    const noCaller = "the call names no caller (ClientContext.custom.caller)";
    for (const clientContext of [undefined, {}, { custom: { correlationId: "c" } }])
      expect(
        await handleCall(fake.ports, describeCall(), { clientContext, remainingMs: () => 60_000 }),
      ).toEqual({ ok: false, error: { code: "denied", message: noCaller } });
    const context = { clientContext: { custom: { caller: "upload" } }, remainingMs: () => 60_000 };
    expect(await handleCall(fake.ports, describeCall(), context)).toEqual({
      ok: false,
      error: {
        code: "denied",
        message:
          "the call's ClientContext is malformed (custom.correlationId: Invalid input: expected string, received undefined)",
      },
    });
    expect(fake.calls).toEqual([]);
  });

  it("answers target_failed when the proxy is not linked to the target", async () => {
    const fake = fakePorts(() => answered(describeAnswer));
    fake.ports.functionName = () => undefined;
    const answer = await handleCall(fake.ports, describeCall(), fromCaller("upload"));
    expect(answer).toEqual({
      ok: false,
      error: { code: "target_failed", message: "the proxy is not linked to ImagingDescribe" },
    });
  });
});

describe("time", () => {
  it("stops waiting for the target at timeoutMs and answers timeout", async () => {
    const fake = fakePorts(untilAborted);
    const answer = await handleCall(
      fake.ports,
      describeCall(undefined, { timeoutMs: 30 }),
      fromCaller("upload"),
    );
    expect(answer).toEqual({
      ok: false,
      error: { code: "timeout", message: "no answer within 30 ms" },
    });
    expect(fake.calls[0]?.signal.aborted).toBe(true);
    expect(JSON.parse(fake.logs[0] ?? "")).toMatchObject({
      outcome: "timeout",
      errorCode: "timeout",
    });
  });

  it("never waits past its own remaining time minus the margin to log and publish", async () => {
    const fake = fakePorts(untilAborted);
    const answer = await handleCall(
      fake.ports,
      describeCall(undefined, { timeoutMs: 10_000 }),
      fromCaller("upload", DEADLINE_MARGIN_MS + 40),
    );
    expect(answer).toMatchObject({ error: { code: "timeout", message: "no answer within 40 ms" } });
    expect(JSON.parse(fake.logs[0] ?? "").errorCode).toBe("proxy_deadline");

    const late = fakePorts(untilAborted);
    const none = await handleCall(late.ports, describeCall(), fromCaller("upload", 900));
    expect(none).toMatchObject({ error: { code: "timeout" } });
    expect(late.calls).toEqual([]);
  });

  it("reports the target's own Lambda timeout as timeout", async () => {
    const fake = fakePorts(() => ({
      kind: "answered",
      payload: JSON.stringify({
        errorType: "Sandbox.Timedout",
        errorMessage: "Task timed out after 3.00 seconds",
      }),
      functionError: "Unhandled",
    }));
    const answer = await handleCall(fake.ports, describeCall(), fromCaller("upload"));
    expect(answer).toMatchObject({ error: { code: "timeout" } });
    expect(JSON.parse(fake.logs[0] ?? "").errorCode).toBe("target_timeout");
  });
});

describe("a target that fails", () => {
  it("answers invalid_input when the target refuses the input it read", async () => {
    const payload = JSON.stringify({
      errorType: "OperationInputError",
      errorMessage: "invalid cursor: not issued for this query",
    });
    const fake = fakePorts(() => ({ kind: "answered", payload, functionError: "Unhandled" }));
    const answer = await handleCall(fake.ports, describeCall(), fromCaller("upload"));
    expect(answer).toEqual({
      ok: false,
      error: { code: "invalid_input", message: "invalid cursor: not issued for this query" },
    });
    expect(JSON.parse(fake.logs[0] ?? "")).toMatchObject({
      outcome: "invalid_input",
      errorCode: "refused_by_target",
    });
  });

  it("answers target_failed with the target's error when it throws", async () => {
    const payload = JSON.stringify({ errorType: "FileNotFound", errorMessage: "no such file" });
    const fake = fakePorts(() => ({ kind: "answered", payload, functionError: "Unhandled" }));
    const answer = await handleCall(fake.ports, describeCall(), fromCaller("upload"));
    expect(answer).toEqual({
      ok: false,
      error: { code: "target_failed", message: "FileNotFound: no such file" },
    });
    expect(JSON.parse(fake.logs[0] ?? "")).toMatchObject({
      outcome: "target_failed",
      errorCode: "function_error",
      responseBytes: payload.length,
    });
  });

  it("answers target_failed with errorCode invalid_output for an output that breaks its contract", async () => {
    const fake = fakePorts(() => answered({ ...describeAnswer, state: "done" }));
    const answer = await handleCall(fake.ports, describeCall(), fromCaller("upload"));
    expect(answer).toMatchObject({
      ok: false,
      error: { code: "target_failed", issues: [{ path: "state" }] },
    });
    const [{ record } = {} as never] = fake.published;
    expect(record).toMatchObject({ outcome: "target_failed", errorCode: "invalid_output" });
    expect(InvocationCompleted.versions[1].parse(eventData(record))).toMatchObject({
      errorCode: "invalid_output",
    });

    const notJson = fakePorts(() => ({ kind: "answered", payload: "<html>" }));
    const text = await handleCall(notJson.ports, describeCall(), fromCaller("upload"));
    expect(text).toMatchObject({ error: { code: "target_failed" } });
    expect(JSON.parse(notJson.logs[0] ?? "").errorCode).toBe("invalid_output");
  });

  it.each(["function_not_found", "throttled", "network", "sdk_error"] as const)(
    "answers target_failed for a Lambda API failure: %s",
    async (reason) => {
      const fake = fakePorts(() => ({ kind: "failed", reason, message: `it was ${reason}` }));
      const answer = await handleCall(fake.ports, describeCall(), fromCaller("upload"));
      expect(answer).toEqual({
        ok: false,
        error: { code: "target_failed", message: `it was ${reason}` },
      });
      expect(JSON.parse(fake.logs[0] ?? "").errorCode).toBe(reason);
    },
  );
});

describe("the record", () => {
  it("still answers, and logs, when the event cannot be published", async () => {
    const fake = fakePorts(() => answered(describeAnswer));
    fake.ports.publish = async () => {
      throw new Error("bus down");
    };
    const answer = await handleCall(fake.ports, describeCall(), fromCaller("upload"));
    expect(answer.ok).toBe(true);
    expect(fake.logs).toHaveLength(1);
    expect(fake.errors).toEqual([
      "proxy.invocation.completed not published for corr-1: Error: bus down",
    ]);
  });

  it("answers before its own deadline when publishing the record hangs", async () => {
    const fake = fakePorts(() => answered(describeAnswer));
    fake.ports.publish = () => new Promise(() => {});
    // 1.5 s left: enough for the call; the publish is given up 200 ms before the deadline.
    const answer = await handleCall(fake.ports, describeCall(), fromCaller("upload", 1_500));
    expect(answer.ok).toBe(true);
    expect(fake.logs).toHaveLength(1);
    expect(fake.errors).toEqual([
      "proxy.invocation.completed not published for corr-1: no time left",
    ]);
  });

  it("has no invalid_output outcome: that is target_failed with its errorCode", () => {
    const base = {
      caller: "upload",
      operation: "imaging.describe",
      target: "ImagingDescribe",
      mode: "sync",
      durationMs: 1,
      requestBytes: 1,
      responseBytes: 1,
    };
    const schema = InvocationCompleted.versions[1];
    expect(schema.safeParse({ ...base, outcome: "invalid_output" }).success).toBe(false);
    expect(
      schema.safeParse({ ...base, outcome: "target_failed", errorCode: "invalid_output" }).success,
    ).toBe(true);
  });
});
