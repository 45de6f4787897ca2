import { randomBytes } from "node:crypto";
import type { FunctionInvoker } from "./ports.ts";

/** Lambda's limit on a synchronous invocation's payload, the event and the result alike. */
export const LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024;

/** How a Lambda proxy integration ended, as API Gateway sees it. */
export type IntegrationOutcome =
  | { kind: "ok"; payload: string }
  /** The function threw or crashed; `detail` is for the log, never for the client. */
  | { kind: "error"; detail: string }
  | { kind: "timeout" };

/** Invokes a function, giving up after `timeoutMs` the way API Gateway's integration timeout does. */
export async function invokeIntegration(
  invoker: FunctionInvoker,
  functionName: string,
  event: string,
  timeoutMs: number,
): Promise<IntegrationOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<IntegrationOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "timeout" }), timeoutMs);
  });
  const invocation = invoker.invoke(functionName, event).then(
    (result): IntegrationOutcome =>
      result.ok
        ? { kind: "ok", payload: result.payload }
        : { kind: "error", detail: `${result.error.errorType}: ${result.error.errorMessage}` },
    (error: unknown): IntegrationOutcome => ({ kind: "error", detail: String(error) }),
  );
  // A late result is dropped, as API Gateway drops it; the function itself runs on.
  const outcome = await Promise.race([invocation, timeout]);
  clearTimeout(timer);
  return outcome;
}

/** Like API Gateway's own short ids (`ZhMpgigvDoEEPlg=`): HTTP APIs' request id, REST APIs' apigw id. */
export const newShortRequestId = () => randomBytes(11).toString("base64");

/** An X-Ray trace header, `Root=1-<epoch seconds in hex>-<24 hex digits>`. */
export const traceId = (now: number) =>
  `Root=1-${Math.floor(now / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
