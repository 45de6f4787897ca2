import {
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  type LambdaClientConfig,
} from "@aws-sdk/client-lambda";
import { type OperationInput, type OperationOutput, operationContracts } from "@platform/events";
import { z } from "zod";
import { InvokeError } from "./errors.ts";
import {
  type CallerContext,
  DEFAULT_TIMEOUT_MS,
  encodeClientContext,
  InvokeMode,
  issuesOf,
  MAX_TIMEOUT_MS,
  ProxyAnswer,
  type ProxyRequest,
} from "./wire.ts";

type Operation = (typeof operationContracts)[number];
/** Every operation some manifest may expose: the names in @platform/events' operationContracts. */
export type OperationName = Operation["name"];
export type ContractOf<N extends OperationName> = Extract<Operation, { name: N }>;

export const InvokeOptions = z.object({
  /** sync (the default) waits for the output; async returns once the proxy handed the call over. */
  mode: InvokeMode.optional(),
  /** How long the target may take (default 10 s); the proxy stops waiting after it. */
  timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS).optional(),
  /** The chain this call belongs to (default: a new one). */
  correlationId: z.string().min(1).max(256).optional(),
  /** The event that caused this call, if any. */
  causationId: z.string().min(1).max(256).nullable().optional(),
});
export type InvokeOptions = z.infer<typeof InvokeOptions>;

export type InvokeResult<T> = { ok: true; output: T } | { ok: false; error: InvokeError };

export interface Invoke {
  <N extends OperationName>(
    operation: N,
    input: OperationInput<ContractOf<N>>,
    options: InvokeOptions & { mode: "async" },
  ): Promise<InvokeResult<undefined>>;
  <N extends OperationName>(
    operation: N,
    input: OperationInput<ContractOf<N>>,
    options?: InvokeOptions & { mode?: "sync" },
  ): Promise<InvokeResult<OperationOutput<ContractOf<N>>>>;
}

/** The one thing the client needs from a LambdaClient (unit tests pass a fake). */
export interface LambdaSender {
  send(
    command: InvokeCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<InvokeCommandOutput>;
}

export interface InvokerOptions {
  /**
   * A LambdaClient, or the settings to create one with (without SDK retries; `close()` destroys
   * it). Passing settings keeps code outside this package free of the Lambda SDK.
   */
  lambda: LambdaSender | LambdaClientConfig;
  /** The invoke-proxy's function name (`Resource.InvokeProxy.name`). */
  proxyName: string;
  /** The calling service, as the manifests' allow-lists name it. */
  caller: string;
  /** How much longer than timeoutMs to wait for the proxy's own answer (default 10 s). */
  proxyGraceMs?: number;
}

export interface Invoker {
  invoke: Invoke;
  close(): void;
}

const Settings = z.object({
  proxyName: z.string().min(1),
  caller: z.string().min(1).max(128),
  proxyGraceMs: z.number().int().nonnegative().default(10_000),
});

const utf8 = new TextDecoder();

export function createInvoker(options: InvokerOptions): Invoker {
  const settings = Settings.safeParse(options);
  if (!settings.success) throw new TypeError(`createInvoker: ${z.prettifyError(settings.error)}`);
  const { proxyName, caller, proxyGraceMs } = settings.data;
  // No SDK retries: a retried sync call could run the target twice; the caller decides.
  const owned =
    "send" in options.lambda ? undefined : new LambdaClient({ maxAttempts: 1, ...options.lambda });
  const lambda = owned ?? (options.lambda as LambdaSender);

  async function call(
    operation: string,
    input: unknown,
    options: InvokeOptions = {},
  ): Promise<InvokeResult<unknown>> {
    const parsed = InvokeOptions.safeParse(options);
    if (!parsed.success)
      throw new TypeError(`invoke ${operation}: ${z.prettifyError(parsed.error)}`);
    const {
      mode = "sync",
      timeoutMs = DEFAULT_TIMEOUT_MS,
      correlationId,
      causationId = null,
    } = parsed.data;
    const failed = (code: InvokeError["code"], message: string, issues?: InvokeError["issues"]) =>
      ({ ok: false, error: new InvokeError(code, operation, message, issues) }) as const;

    const request: ProxyRequest = { operation, input, mode, timeoutMs };
    const context: CallerContext = {
      custom: { caller, correlationId: correlationId ?? crypto.randomUUID(), causationId },
    };
    // A safety net only: the proxy itself answers `timeout` once timeoutMs has passed.
    const signal = AbortSignal.timeout(timeoutMs + proxyGraceMs);
    let answered: InvokeCommandOutput;
    try {
      answered = await lambda.send(
        new InvokeCommand({
          FunctionName: proxyName,
          InvocationType: "RequestResponse",
          Payload: JSON.stringify(request),
          ClientContext: encodeClientContext(context),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (signal.aborted)
        return failed(
          "timeout",
          `the invoke-proxy did not answer within ${timeoutMs + proxyGraceMs} ms`,
        );
      return failed("target_failed", `the invoke-proxy could not be invoked: ${describe(error)}`);
    }
    const text = answered.Payload ? utf8.decode(answered.Payload) : "";
    if (answered.FunctionError) {
      // The proxy itself ran out of time (its own Lambda timeout): for the caller, a timeout.
      if (
        (parseJson(text) as { errorType?: unknown } | undefined)?.errorType === "Sandbox.Timedout"
      )
        return failed("timeout", `the invoke-proxy timed out: ${text.slice(0, 300)}`);
      return failed("target_failed", `the invoke-proxy failed: ${text.slice(0, 500)}`);
    }
    const answer = ProxyAnswer.safeParse(parseJson(text));
    if (!answer.success)
      return failed(
        "target_failed",
        `the invoke-proxy answered something other than a ProxyAnswer: ${text.slice(0, 200)}`,
      );
    if (!answer.data.ok) {
      const { code, message, issues } = answer.data.error;
      return failed(code, message, issues);
    }
    if (mode === "async") return { ok: true, output: undefined };
    const contract = operationContracts.find((c) => c.name === operation);
    const output = contract?.output.safeParse(answer.data.output);
    if (output && !output.success)
      return failed(
        "target_failed",
        `the answer does not match ${operation}'s output contract`,
        issuesOf(output.error),
      );
    return { ok: true, output: output ? output.data : answer.data.output };
  }

  return {
    invoke: call as Invoke,
    close: () => owned?.destroy(),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
