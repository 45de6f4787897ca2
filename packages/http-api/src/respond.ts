import { HttpProblem, PROBLEM_BASE } from "./problems.ts";
import type { ApiResponse } from "./request.ts";

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): ApiResponse {
  return {
    statusCode,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

export function empty(statusCode: number, headers: Record<string, string> = {}): ApiResponse {
  return { statusCode, headers, body: "" };
}

export function problem(error: HttpProblem, requestId: string): ApiResponse {
  return {
    statusCode: error.status,
    headers: { "content-type": "application/problem+json", ...error.headers },
    body: JSON.stringify({
      type: `${PROBLEM_BASE}${error.slug}`,
      title: error.title,
      status: error.status,
      detail: error.detail,
      instance: `urn:request:${requestId}`,
      ...(error.errors.length > 0 ? { errors: error.errors } : {}),
    }),
  };
}

/** What a client sees of a failure we did not plan for: no internals, just the request id. */
export function internalError(requestId: string): ApiResponse {
  return problem(
    new HttpProblem(
      500,
      "internal",
      "Internal error",
      `The request failed on our side; quote request ${requestId} when reporting it.`,
    ),
    requestId,
  );
}
