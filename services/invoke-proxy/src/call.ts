import {
  CallerContext,
  encodeClientContext,
  type InvokeErrorCode,
  type Issue,
  issuesOf,
  OPERATION_INPUT_ERROR,
  type ProxyAnswer,
  ProxyRequest,
} from "@platform/invoke";
import type { z } from "zod";
import type { ProxyContext, ProxyPorts, TargetAnswer } from "./ports.ts";
import { byteLength, type CallRecord, logLine, NONE, type Outcome } from "./record.ts";

/** Time kept back from the proxy's own deadline to log and publish the call's record. */
export const DEADLINE_MARGIN_MS = 1_000;
/** What is kept of the proxy's time to answer once the call record's publish is given up. */
export const PUBLISH_MARGIN_MS = 200;

interface Result {
  outcome: Outcome;
  errorCode?: string;
  message?: string;
  issues?: Issue[];
  output?: unknown;
  target?: string;
  responseBytes?: number;
}

const refused = (
  outcome: InvokeErrorCode,
  errorCode: string,
  message: string,
  more: Partial<Result> = {},
): Result => ({ outcome, errorCode, message, ...more });

/**
 * One call through the proxy: identify the caller, check the operation, the allow-list and the
 * input, invoke the target within the time allowed, check its output. Every call, refused or
 * not, leaves exactly one log line and one proxy.invocation.completed event.
 */
export async function handleCall(
  ports: ProxyPorts,
  event: unknown,
  context: ProxyContext,
): Promise<ProxyAnswer> {
  const startedAt = ports.now();
  const identity = CallerContext.safeParse(context.clientContext);
  const request = ProxyRequest.safeParse(event);
  const raw = (typeof event === "object" && event !== null ? event : {}) as Record<string, unknown>;
  const caller = identity.success ? identity.data.custom.caller : NONE;
  const result = !identity.success
    ? refused("denied", "caller_missing", unidentified(identity.error))
    : !request.success
      ? refused("invalid_input", "invalid_request", "the request to the proxy is malformed", {
          issues: issuesOf(request.error),
        })
      : await dispatch(ports, context, caller, request.data, identity.data.custom);

  const record: CallRecord = {
    timestamp: new Date(startedAt).toISOString(),
    correlationId: identity.success ? identity.data.custom.correlationId : ports.newId(),
    caller,
    operation:
      typeof raw.operation === "string" && raw.operation !== ""
        ? raw.operation.slice(0, 128)
        : NONE,
    target: result.target ?? NONE,
    mode: raw.mode === "async" ? "async" : "sync",
    outcome: result.outcome,
    durationMs: Math.max(0, Math.round(ports.now() - startedAt)),
    requestBytes: byteLength(JSON.stringify(raw.input)),
    responseBytes: result.responseBytes ?? 0,
    errorCode: result.errorCode ?? null,
  };
  ports.writeLog(logLine(record));
  // The caller's answer must not wait on the record past the proxy's own deadline: a call whose
  // event could not be published in time keeps its log line, and the caller its outcome.
  const publishing = ports.publish(
    record,
    identity.success ? identity.data.custom.causationId : null,
  );
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"late">((resolve) => {
    timer = setTimeout(
      () => resolve("late"),
      Math.max(0, context.remainingMs() - PUBLISH_MARGIN_MS),
    );
  });
  try {
    if ((await Promise.race([publishing, deadline])) === "late")
      ports.writeError(
        `proxy.invocation.completed not published for ${record.correlationId}: no time left`,
      );
  } catch (error) {
    ports.writeError(
      `proxy.invocation.completed not published for ${record.correlationId}: ${String(error)}`,
    );
  } finally {
    clearTimeout(timer);
  }
  if (result.outcome === "ok")
    return result.output === undefined ? { ok: true } : { ok: true, output: result.output };
  return {
    ok: false,
    error: {
      code: result.outcome,
      message: result.message ?? result.outcome,
      ...(result.issues ? { issues: result.issues } : {}),
    },
  };
}

async function dispatch(
  ports: ProxyPorts,
  context: ProxyContext,
  caller: string,
  request: z.output<typeof ProxyRequest>,
  ids: { correlationId: string; causationId: string | null },
): Promise<Result> {
  const { operation, mode, timeoutMs } = request;
  const route = Object.hasOwn(ports.operations, operation)
    ? ports.operations[operation]
    : undefined;
  const contract = ports.contracts.find((c) => c.name === operation);
  if (!route || !contract)
    return refused("unknown_operation", "unknown_operation", `no manifest exposes ${operation}`);
  const target = route.target;
  if (!route.callers.includes(caller))
    return refused(
      "denied",
      "caller_not_allowed",
      // Not which callers are allowed: the caller's name is claimed, so that would say what to claim.
      `service "${caller}" may not call ${operation}`,
      { target },
    );
  const input = contract.input.safeParse(request.input);
  if (!input.success)
    return refused("invalid_input", "invalid_input", `the input does not match ${operation}`, {
      target,
      issues: issuesOf(input.error),
    });
  const functionName = ports.functionName(target);
  if (!functionName)
    return refused("target_failed", "not_linked", `the proxy is not linked to ${target}`, {
      target,
    });
  const budget = Math.min(timeoutMs, context.remainingMs() - DEADLINE_MARGIN_MS);
  if (budget <= 0)
    return refused("timeout", "proxy_deadline", "the invoke-proxy has no time left for it", {
      target,
    });

  const answer = await ports.invokeTarget({
    functionName,
    mode,
    payload: JSON.stringify(input.data),
    clientContext: encodeClientContext({ custom: { caller, operation, ...ids } }),
    signal: AbortSignal.timeout(budget),
  });
  return { ...outcomeOf(answer, operation, contract.output, budget < timeoutMs, budget), target };
}

function outcomeOf(
  answer: TargetAnswer,
  operation: string,
  output: z.ZodType,
  cappedByProxy: boolean,
  budget: number,
): Result {
  if (answer.kind === "accepted") return { outcome: "ok" };
  if (answer.kind === "failed") {
    if (answer.reason === "aborted")
      return refused(
        "timeout",
        cappedByProxy ? "proxy_deadline" : "timeout",
        `no answer within ${budget} ms`,
      );
    return refused("target_failed", answer.reason, answer.message);
  }
  const responseBytes = byteLength(answer.payload);
  const payload = parseJson(answer.payload);
  if (answer.functionError) {
    const error = (payload ?? {}) as { errorType?: string; errorMessage?: string };
    // The target's own Lambda timeout: for the caller, a timeout like any other.
    if (error.errorType === "Sandbox.Timedout")
      return refused("timeout", "target_timeout", String(error.errorMessage), { responseBytes });
    // The target read the input and refused it: the caller's mistake, not the target's failure.
    if (error.errorType === OPERATION_INPUT_ERROR)
      return refused("invalid_input", "refused_by_target", String(error.errorMessage), {
        responseBytes,
      });
    const message = `${error.errorType ?? answer.functionError}: ${error.errorMessage ?? ""}`;
    return refused("target_failed", "function_error", message.slice(0, 1000), { responseBytes });
  }
  if (payload === undefined)
    return refused(
      "target_failed",
      "invalid_output",
      `${operation} answered something that is not JSON`,
      {
        responseBytes,
      },
    );
  const parsed = output.safeParse(payload);
  if (!parsed.success)
    return refused("target_failed", "invalid_output", `the output does not match ${operation}`, {
      responseBytes,
      issues: issuesOf(parsed.error),
    });
  return { outcome: "ok", output: parsed.data, responseBytes };
}

/** Why the caller could not be identified: no caller at all, or a malformed ClientContext. */
function unidentified(error: z.ZodError): string {
  const issues = issuesOf(error);
  if (issues.some((issue) => ["", "custom", "custom.caller"].includes(issue.path)))
    return "the call names no caller (ClientContext.custom.caller)";
  const list = issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
  return `the call's ClientContext is malformed (${list})`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
