import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { TargetAnswer, TargetCall, TargetFailure } from "../ports.ts";

const utf8 = new TextDecoder();

/** Invokes a target through the Lambda API, stopping at the call's signal. */
export async function invokeTarget(lambda: LambdaClient, call: TargetCall): Promise<TargetAnswer> {
  try {
    const answer = await lambda.send(
      new InvokeCommand({
        FunctionName: call.functionName,
        InvocationType: call.mode === "async" ? "Event" : "RequestResponse",
        Payload: call.payload,
        // Lambda passes ClientContext to synchronous invocations only.
        ...(call.mode === "sync" ? { ClientContext: call.clientContext } : {}),
      }),
      { abortSignal: call.signal },
    );
    if (call.mode === "async") return { kind: "accepted" };
    const payload = answer.Payload ? utf8.decode(answer.Payload) : "";
    return answer.FunctionError
      ? { kind: "answered", payload, functionError: answer.FunctionError }
      : { kind: "answered", payload };
  } catch (error) {
    if (call.signal.aborted)
      return { kind: "failed", reason: "aborted", message: "the call was stopped at its timeout" };
    return invokeFailure(error, call.functionName);
  }
}

const THROTTLED = new Set([
  "TooManyRequestsException",
  "ThrottlingException",
  "EC2ThrottledException",
]);
const NETWORK = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
]);

/** What an error from the Lambda API means for the caller, with a message that says so. */
export function invokeFailure(
  error: unknown,
  functionName: string,
): { kind: "failed"; reason: TargetFailure; message: string } {
  const e = (error ?? {}) as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const detail = `${e.name ?? "Error"}: ${e.message ?? String(error)}`;
  const failed = (reason: TargetFailure, message: string) =>
    ({ kind: "failed", reason, message }) as const;
  if (e.name === "ResourceNotFoundException")
    return failed(
      "function_not_found",
      `the target function ${functionName} does not exist (${detail})`,
    );
  if (THROTTLED.has(e.name ?? "") || e.$metadata?.httpStatusCode === 429)
    return failed("throttled", `Lambda throttled the call to ${functionName} (${detail})`);
  if (NETWORK.has(e.code ?? "") || NETWORK.has(e.name ?? "") || e.name === "TimeoutError")
    return failed("network", `the Lambda API could not be reached for ${functionName} (${detail})`);
  return failed("sdk_error", `invoking ${functionName} failed (${detail})`);
}
