import type { ClaimValue } from "./ports.ts";
import { decodeComponent } from "./routes.ts";

/** The event a Lambda proxy integration receives from an HTTP API, payload format version 2.0. */
export interface HttpApiEvent {
  version: "2.0";
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    authorizer?: EventAuthorizer;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body?: string;
  pathParameters?: Record<string, string>;
  isBase64Encoded: boolean;
}

/** API Gateway sends `scopes: null` when the token carries none. */
export type EventAuthorizer = {
  jwt: { claims: Record<string, ClaimValue>; scopes: string[] | null };
};

/** Hop-by-hop headers end at API Gateway's front door and never reach the integration. */
export const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Request headers as format 2.0 carries them: names lower-cased, repeated headers joined with
 * commas, and the cookie headers moved out into `cookies`, one entry per cookie.
 */
export function collectHeaders(rawHeaders: readonly string[]): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? "").toLowerCase();
    const value = rawHeaders[i + 1] ?? "";
    if (HOP_BY_HOP.has(name)) continue;
    if (name === "cookie") {
      cookies.push(
        ...value
          .split(";")
          .map((c) => c.trim())
          .filter(Boolean),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

/** Query parameters decoded (`+` as a space), repeated keys joined with commas; undefined when none. */
export function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const pair of rawQueryString.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const [rawKey, rawValue] = eq < 0 ? [pair, ""] : [pair.slice(0, eq), pair.slice(eq + 1)];
    const key = decodeComponent(rawKey.replaceAll("+", " "));
    const value = decodeComponent(rawValue.replaceAll("+", " "));
    params[key] = key in params ? `${params[key]},${value}` : value;
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

/**
 * Whether API Gateway passes a body of this type as text. Measured on HTTP APIs: text/*, JSON, XML
 * and JavaScript arrive as strings; everything else (form posts and a missing type included)
 * arrives base64-encoded.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return (
    type.startsWith("text/") ||
    type === "application/json" ||
    type === "application/xml" ||
    type === "application/javascript"
  );
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `17/Jun/2024:15:49:29 +0000`, the format of `requestContext.time`. */
export function requestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

export interface EventInput {
  method: string;
  /** The request target's path as sent (still percent-encoded). */
  encodedPath: string;
  rawQueryString: string;
  protocol: string;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
  routeKey: string;
  pathParameters: Record<string, string> | undefined;
  authorizer: EventAuthorizer | undefined;
  sourceIp: string;
  requestId: string;
  timeEpoch: number;
  accountId: string;
  apiId: string;
  stage: string;
}

/** Builds the format 2.0 event, omitting the fields API Gateway omits when they would be empty. */
export function buildEvent(input: EventInput): HttpApiEvent {
  // HTTP APIs hand the integration the path already decoded (REST APIs do not).
  const path = decodeComponent(input.encodedPath);
  const domainName = (input.headers.host ?? "localhost").replace(/:\d+$/, "");
  const queryStringParameters = parseQuery(input.rawQueryString);
  const text = isTextContentType(input.headers["content-type"]);
  const event: HttpApiEvent = {
    version: "2.0",
    routeKey: input.routeKey,
    rawPath: path,
    rawQueryString: input.rawQueryString,
    ...(input.cookies.length > 0 && { cookies: input.cookies }),
    headers: input.headers,
    ...(queryStringParameters && { queryStringParameters }),
    requestContext: {
      accountId: input.accountId,
      apiId: input.apiId,
      ...(input.authorizer && { authorizer: input.authorizer }),
      domainName,
      domainPrefix: domainName.split(".")[0] ?? domainName,
      http: {
        method: input.method,
        path,
        protocol: input.protocol,
        sourceIp: input.sourceIp,
        userAgent: input.headers["user-agent"] ?? "",
      },
      requestId: input.requestId,
      routeKey: input.routeKey,
      stage: input.stage,
      time: requestTime(input.timeEpoch),
      timeEpoch: input.timeEpoch,
    },
    ...(input.body.length > 0 && {
      body: text ? input.body.toString("utf8") : input.body.toString("base64"),
    }),
    ...(input.pathParameters && { pathParameters: input.pathParameters }),
    isBase64Encoded: input.body.length > 0 && !text,
  };
  return event;
}
