import type { ApiKeyCheck } from "./api-keys.ts";

/** An answer a REST API gives itself; the body is kept as bytes because AWS's spacing varies. */
export interface RestRefusal {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/**
 * REST APIs' default gateway responses render `{"message":$context.error.messageString}`; the
 * integration errors' message strings start with a space, hence `{"message": "..."}` for those.
 * x-amzn-ErrorType only where captured AWS responses show it.
 */
function json(status: number, body: string, errorType?: string): RestRefusal {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (errorType) headers["x-amzn-ErrorType"] = errorType;
  return { status, body, headers };
}

export const REST_REFUSALS = {
  /** No resource or method for the request (also a path outside the stage): REST's 404. */
  missingAuthenticationToken: json(
    403,
    '{"message":"Missing Authentication Token"}',
    "MissingAuthenticationTokenException",
  ),
  /** A missing, unknown or revoked API key (INVALID_API_KEY). */
  forbidden: json(403, '{"message":"Forbidden"}', "ForbiddenException"),
  /** Over the usage plan's rate or burst (THROTTLED). */
  throttled: json(429, '{"message":"Too Many Requests"}'),
  /** Over the usage plan's quota (QUOTA_EXCEEDED). */
  quotaExceeded: json(429, '{"message":"Limit Exceeded"}'),
  /** The event is over Lambda's 6 MB payload limit (the body alone is under the API's 10 MB). */
  requestTooLong: json(413, '{"message": "Request Too Long"}', "BadRequestException"),
  /** The function threw, crashed, or returned what is not a proxy response (INTEGRATION_FAILURE). */
  integrationFailure: json(
    502,
    '{"message": "Internal server error"}',
    "InternalServerErrorException",
  ),
  /** No answer within the integration timeout (INTEGRATION_TIMEOUT). */
  integrationTimeout: json(504, '{"message": "Endpoint request timed out"}'),
  /** A base64 body API Gateway cannot decode (API_CONFIGURATION_ERROR), or a fault of the emulator. */
  internalError: json(500, '{"message": "Internal server error"}', "InternalServerErrorException"),
} as const;

/**
 * A body over the API's payload limit is refused before anything else, as plain text (AWS's
 * REQUEST_TOO_LARGE gateway response is not applied to it).
 */
export function bodyTooLarge(limit: number): RestRefusal {
  return {
    status: 413,
    body: `HTTP content length exceeded ${limit} bytes.`,
    headers: { "content-type": "text; charset=utf-8" },
  };
}

/** The REST answer to a key the usage plans refuse, keeping the local plan's retry-after. */
export function keyRefusal(check: Exclude<ApiKeyCheck, { ok: true }>): RestRefusal {
  if (check.status === 403) return REST_REFUSALS.forbidden;
  const refusal =
    check.body.message === "Limit Exceeded" ? REST_REFUSALS.quotaExceeded : REST_REFUSALS.throttled;
  return { ...refusal, headers: { ...refusal.headers, ...check.headers } };
}
