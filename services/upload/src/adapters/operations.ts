import { type InvokeResult, invoke } from "@platform/invoke";
import type { CallResult, Operations } from "../ports.ts";

/** What the API waits for another service before answering 504: well within API Gateway's 29 s. */
const CALL_TIMEOUT_MS = 8_000;

function result<T>(answer: InvokeResult<T>): CallResult<T> {
  if (answer.ok) return answer;
  const { code, message, issues } = answer.error;
  return { ok: false, code, message, ...(issues ? { issues } : {}) };
}

/** Other services' operations, each called through the invoke-proxy as the upload service. */
export const proxiedOperations: Operations = {
  async describeImage(fileId, correlationId) {
    return result(
      await invoke("imaging.describe", { fileId }, { correlationId, timeoutMs: CALL_TIMEOUT_MS }),
    );
  },
  async fileHistory(query, correlationId) {
    return result(
      await invoke("audit.history", query, { correlationId, timeoutMs: CALL_TIMEOUT_MS }),
    );
  },
};
