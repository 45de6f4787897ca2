/** An answer API Gateway gives itself, without the request reaching a function. */
export interface GatewayError {
  status: number;
  body: { message: string };
  headers: Record<string, string>;
}

/** API Gateway's own bodies for HTTP APIs: the status's reason phrase, nothing about the cause. */
const MESSAGES = {
  404: "Not Found",
  413: "Request Entity Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
} as const;

export function gatewayError(status: keyof typeof MESSAGES): GatewayError {
  return { status, body: { message: MESSAGES[status] }, headers: {} };
}
