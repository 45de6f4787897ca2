/** An HTTP API's CORS configuration (`CorsConfiguration` of API Gateway V2). */
export interface HttpApiCors {
  /** Exact origins, `*`, or the scheme wildcards `https://*` and `http://*`. */
  allowOrigins: string[];
  /** Methods, or `*`. */
  allowMethods: string[];
  /** Request headers a preflight may announce, or `*`. */
  allowHeaders: string[];
  /** Response headers the browser may read. */
  exposeHeaders: string[];
  maxAgeSeconds: number;
  allowCredentials?: boolean;
}

/** Refuses what API Gateway refuses when the configuration is saved. */
export function validateCors(cors: HttpApiCors): void {
  if (cors.allowCredentials && cors.allowOrigins.includes("*"))
    throw new Error("allow-credentials is not supported if 'allow-origin' is *");
}

function originAllowed(cors: HttpApiCors, origin: string): boolean {
  const lower = origin.toLowerCase();
  return cors.allowOrigins.some((allowed) => {
    if (allowed === "*") return true;
    if (allowed === "https://*" || allowed === "http://*")
      return lower.startsWith(allowed.slice(0, -1));
    return allowed.toLowerCase() === lower;
  });
}

const includes = (list: string[], value: string) =>
  list.includes("*") || list.some((item) => item.toUpperCase() === value.toUpperCase());

/** A browser's preflight: OPTIONS with both an Origin and an Access-Control-Request-Method. */
export function isPreflight(method: string, headers: Record<string, string>): boolean {
  return (
    method === "OPTIONS" &&
    headers.origin !== undefined &&
    headers["access-control-request-method"] !== undefined
  );
}

function allowOriginHeaders(cors: HttpApiCors, origin: string): Record<string, string> {
  const headers: Record<string, string> = {
    "access-control-allow-origin": cors.allowOrigins.includes("*") ? "*" : origin,
  };
  if (cors.allowCredentials) headers["access-control-allow-credentials"] = "true";
  return headers;
}

/**
 * The headers API Gateway answers a preflight with itself (status 204), or undefined when the
 * origin or the method is not allowed: the answer then carries no CORS headers, and the browser
 * blocks the request.
 */
export function preflightHeaders(
  cors: HttpApiCors,
  headers: Record<string, string>,
): Record<string, string> | undefined {
  const origin = headers.origin ?? "";
  const method = headers["access-control-request-method"] ?? "";
  if (!originAllowed(cors, origin) || !includes(cors.allowMethods, method)) return undefined;
  const requested = headers["access-control-request-headers"];
  const allowHeaders =
    cors.allowHeaders.includes("*") && requested ? requested : cors.allowHeaders.join(",");
  return {
    ...allowOriginHeaders(cors, origin),
    "access-control-allow-methods": cors.allowMethods.join(","),
    ...(allowHeaders && { "access-control-allow-headers": allowHeaders }),
    "access-control-max-age": String(cors.maxAgeSeconds),
  };
}

/** The headers added to an actual response for an allowed origin; none without an Origin header. */
export function responseCorsHeaders(
  cors: HttpApiCors,
  origin: string | undefined,
): Record<string, string> {
  if (origin === undefined || !originAllowed(cors, origin)) return {};
  return {
    ...allowOriginHeaders(cors, origin),
    ...(cors.exposeHeaders.length > 0 && {
      "access-control-expose-headers": cors.exposeHeaders.join(","),
    }),
  };
}

/** With CORS configured, API Gateway ignores the CORS headers an integration returns. */
export function withoutCorsHeaders<T>(headers: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !name.startsWith("access-control-")),
  );
}
