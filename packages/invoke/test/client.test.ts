import { describe, expect, expectTypeOf, it } from "vitest";
import { createInvoker, InvokeError, type InvokeResult, type LambdaSender } from "../src/index.ts";

// The Lambda SDK's types, as the client's port names them (tests stay clear of the SDK itself).
type SentCommand = Parameters<LambdaSender["send"]>[0];
type SentOutput = Awaited<ReturnType<LambdaSender["send"]>>;

const FILE_ID = "5f0c2b5e-4c1d-4e53-9a55-0d3d4f1f7a10";
const description = {
  fileId: FILE_ID,
  key: "profile/u1/origin/a.jpg",
  contentType: "image/jpeg",
  state: "ready",
};

/** A Lambda client that answers as the proxy would, and keeps what it was sent. */
function fakeLambda(answer: (command: SentCommand) => Partial<SentOutput> | Promise<never>) {
  const sent: { command: SentCommand; signal?: AbortSignal }[] = [];
  const lambda: LambdaSender = {
    async send(command, options) {
      sent.push({ command, signal: options?.abortSignal });
      return { $metadata: {}, ...(await answer(command)) } as SentOutput;
    },
  };
  return { lambda, sent };
}
const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const proxyAnswers = (value: unknown) => () =>
  ({ StatusCode: 200, Payload: payload(value) }) as never;

describe("createInvoker", () => {
  it("invokes the proxy with the wire request and the caller's ClientContext", async () => {
    const { lambda, sent } = fakeLambda(proxyAnswers({ ok: true, output: description }));
    const { invoke } = createInvoker({ lambda, proxyName: "the-proxy", caller: "upload" });
    const result = await invoke(
      "imaging.describe",
      { fileId: FILE_ID },
      { timeoutMs: 2_000, correlationId: "corr-1", causationId: "evt-1" },
    );
    expect(result).toEqual({ ok: true, output: description });
    const input = sent[0]?.command.input;
    expect(input).toMatchObject({ FunctionName: "the-proxy", InvocationType: "RequestResponse" });
    expect(JSON.parse(String(input?.Payload))).toEqual({
      operation: "imaging.describe",
      input: { fileId: FILE_ID },
      mode: "sync",
      timeoutMs: 2_000,
    });
    expect(JSON.parse(Buffer.from(String(input?.ClientContext), "base64").toString())).toEqual({
      custom: { caller: "upload", correlationId: "corr-1", causationId: "evt-1" },
    });
    expect(sent[0]?.signal).toBeInstanceOf(AbortSignal);
  });

  it("starts a new chain when given no ids, and defaults to sync within 10 s", async () => {
    const { lambda, sent } = fakeLambda(proxyAnswers({ ok: true }));
    const { invoke } = createInvoker({ lambda, proxyName: "p", caller: "upload" });
    await invoke("audit.history", { actorId: "u1" }, { mode: "async" });
    await invoke("audit.history", { actorId: "u1" }).catch(() => undefined);
    const contexts = sent.map(
      (s) =>
        JSON.parse(Buffer.from(String(s.command.input.ClientContext), "base64").toString()).custom,
    );
    expect(contexts[0]).toEqual({
      caller: "upload",
      correlationId: expect.any(String),
      causationId: null,
    });
    expect(contexts[0].correlationId).not.toBe(contexts[1].correlationId);
    expect(JSON.parse(String(sent[1]?.command.input.Payload))).toMatchObject({
      mode: "sync",
      timeoutMs: 10_000,
    });
  });

  it("resolves an async call with no output once the proxy accepted it", async () => {
    const { lambda } = fakeLambda(proxyAnswers({ ok: true }));
    const { invoke } = createInvoker({ lambda, proxyName: "p", caller: "upload" });
    const result = await invoke("imaging.describe", { fileId: FILE_ID }, { mode: "async" });
    expect(result).toEqual({ ok: true, output: undefined });
    expectTypeOf(result).toEqualTypeOf<InvokeResult<undefined>>();
  });

  it("turns the proxy's typed error into an InvokeError with its code and issues", async () => {
    const issues = [{ path: "fileId", message: "Invalid UUID" }];
    const { lambda } = fakeLambda(
      proxyAnswers({ ok: false, error: { code: "invalid_input", message: "bad input", issues } }),
    );
    const { invoke } = createInvoker({ lambda, proxyName: "p", caller: "upload" });
    const result = await invoke("imaging.describe", { fileId: "x" });
    if (result.ok) throw new Error("expected an error");
    expect(result.error).toBeInstanceOf(InvokeError);
    expect(result.error).toMatchObject({
      name: "InvokeError",
      code: "invalid_input",
      operation: "imaging.describe",
      message: "imaging.describe: invalid_input: bad input",
      issues,
    });
  });

  it("checks the output against the operation's contract", async () => {
    const { lambda } = fakeLambda(
      proxyAnswers({ ok: true, output: { ...description, state: "done" } }),
    );
    const { invoke } = createInvoker({ lambda, proxyName: "p", caller: "upload" });
    expect(await invoke("imaging.describe", { fileId: FILE_ID })).toMatchObject({
      ok: false,
      error: { code: "target_failed", issues: [{ path: "state" }] },
    });
  });

  it("answers timeout when the proxy itself ran out of time", async () => {
    const { lambda } = fakeLambda(
      () =>
        ({
          FunctionError: "Unhandled",
          Payload: payload({
            errorType: "Sandbox.Timedout",
            errorMessage: "Task timed out after 60.00 seconds",
          }),
        }) as never,
    );
    const { invoke } = createInvoker({ lambda, proxyName: "p", caller: "upload" });
    expect(await invoke("imaging.describe", { fileId: FILE_ID })).toMatchObject({
      ok: false,
      error: { code: "timeout" },
    });
  });

  it("answers target_failed when the proxy itself fails, answers nonsense or cannot be reached", async () => {
    const crashed = fakeLambda(
      () =>
        ({
          FunctionError: "Unhandled",
          Payload: payload({ errorType: "Error", errorMessage: "boom" }),
        }) as never,
    );
    const nonsense = fakeLambda(proxyAnswers({ fine: true }));
    const unreachable = fakeLambda(() =>
      Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { name: "Error" })),
    );
    const messages = await Promise.all(
      [crashed, nonsense, unreachable].map(async ({ lambda }) => {
        const { invoke } = createInvoker({ lambda, proxyName: "p", caller: "upload" });
        const result = await invoke("imaging.describe", { fileId: FILE_ID });
        return result.ok ? "ok" : `${result.error.code}: ${result.error.message}`;
      }),
    );
    expect(messages).toEqual([
      'target_failed: imaging.describe: target_failed: the invoke-proxy failed: {"errorType":"Error","errorMessage":"boom"}',
      'target_failed: imaging.describe: target_failed: the invoke-proxy answered something other than a ProxyAnswer: {"fine":true}',
      "target_failed: imaging.describe: target_failed: the invoke-proxy could not be invoked: Error: connect ECONNREFUSED",
    ]);
  });

  it("gives up with timeout when the proxy does not answer within timeoutMs and the grace", async () => {
    const { lambda } = fakeLambda(
      (command) =>
        new Promise<never>((_, reject) => {
          void command;
          setTimeout(
            () => reject(Object.assign(new Error("aborted"), { name: "AbortError" })),
            200,
          );
        }),
    );
    const { invoke } = createInvoker({ lambda, proxyName: "p", caller: "upload", proxyGraceMs: 0 });
    const result = await invoke("imaging.describe", { fileId: FILE_ID }, { timeoutMs: 20 });
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: "timeout",
        message: "imaging.describe: timeout: the invoke-proxy did not answer within 20 ms",
      },
    });
  });

  it("refuses bad settings and bad options with what is wrong", async () => {
    const { lambda } = fakeLambda(proxyAnswers({ ok: true }));
    expect(() => createInvoker({ lambda, proxyName: "", caller: "upload" })).toThrow(
      /createInvoker: .*proxyName/s,
    );
    const { invoke } = createInvoker({ lambda, proxyName: "p", caller: "upload" });
    await expect(invoke("imaging.describe", { fileId: FILE_ID }, { timeoutMs: 0 })).rejects.toThrow(
      /invoke imaging.describe: .*timeoutMs/s,
    );
  });

  it("types each operation's input and output from its contract", () => {
    const { lambda } = fakeLambda(proxyAnswers({ ok: true }));
    const { invoke } = createInvoker({ lambda, proxyName: "p", caller: "upload" });
    type Described = Awaited<ReturnType<typeof invoke<"imaging.describe">>>;
    expectTypeOf<Extract<Described, { ok: true }>["output"]["state"]>().toEqualTypeOf<
      "processing" | "ready" | "rejected"
    >();
    // @ts-expect-error: imaging.describe takes a fileId
    void invoke("imaging.describe", { actorId: "u1" });
    // @ts-expect-error: no such operation
    void invoke("imaging.erase", {});
  });
});
