import { createHash } from "node:crypto";
import { HOP_BY_HOP, requestTime } from "./payload.ts";
import { decodeComponent } from "./routes.ts";

/** The event a Lambda proxy integration of a REST API receives: payload format 1.0. */
export interface RestApiEvent {
  /** The resource's template, `/files/{fileId}`. */
  resource: string;
  /** The path after the stage, still percent-encoded. */
  path: string;
  httpMethod: string;
  /** Names as the client spelled them; a repeated header's last value. */
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
  /** As sent, not decoded (unlike HTTP APIs). */
  pathParameters: Record<string, string> | null;
  stageVariables: null;
  requestContext: RestRequestContext;
  body: string | null;
  isBase64Encoded: boolean;
}

export interface RestRequestContext {
  accountId: string;
  apiId: string;
  domainName: string;
  domainPrefix: string;
  extendedRequestId: string;
  httpMethod: string;
  identity: RestIdentity;
  /** With the stage: `/prod/files/f1`. */
  path: string;
  protocol: string;
  requestId: string;
  requestTime: string;
  requestTimeEpoch: number;
  resourceId: string;
  resourcePath: string;
  stage: string;
}

/** Without IAM, Cognito or mutual TLS, only the key and the caller's address are known. */
export interface RestIdentity {
  accessKey: null;
  accountId: null;
  apiKey: string;
  apiKeyId: string;
  caller: null;
  cognitoAuthenticationProvider: null;
  cognitoAuthenticationType: null;
  cognitoIdentityId: null;
  cognitoIdentityPoolId: null;
  principalOrgId: null;
  sourceIp: string;
  user: null;
  userAgent: string | null;
  userArn: null;
}

/** Never forwarded: hop-by-hop headers, and the length (the event carries the body itself). */
const DROPPED = new Set([...HOP_BY_HOP, "content-length"]);

/** Request headers as sent, grouped by name (REST APIs treat names case-sensitively). */
export function collectRestHeaders(rawHeaders: readonly string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? "";
    if (DROPPED.has(name.toLowerCase())) continue;
    headers[name] = [...(headers[name] ?? []), rawHeaders[i + 1] ?? ""];
  }
  return headers;
}

/** The last value of a header, whatever the case of its name. */
export function headerValue(headers: Record<string, string[]>, name: string): string | undefined {
  const lower = name.toLowerCase();
  let value: string | undefined;
  for (const [key, values] of Object.entries(headers))
    if (key.toLowerCase() === lower) value = values.at(-1) ?? value;
  return value;
}

/** Sets a header API Gateway adds itself, replacing the client's spelling of it. */
function setHeader(headers: Record<string, string[]>, name: string, value: string): void {
  for (const key of Object.keys(headers))
    if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
  headers[name] = [value];
}

/** Query parameters decoded (`+` is a space), every value kept; null when there are none. */
export function parseMultiQuery(rawQueryString: string): Record<string, string[]> | null {
  const params: Record<string, string[]> = {};
  for (const pair of rawQueryString.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const [rawKey, rawValue] = eq < 0 ? [pair, ""] : [pair.slice(0, eq), pair.slice(eq + 1)];
    const key = decodeComponent(rawKey.replaceAll("+", " "));
    params[key] = [...(params[key] ?? []), decodeComponent(rawValue.replaceAll("+", " "))];
  }
  return Object.keys(params).length > 0 ? params : null;
}

/** The single-value view API Gateway builds beside the multi-value one: each name's last value. */
function lastValues(multi: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v.at(-1) ?? ""]));
}

/** Whether a media type is one of the API's binary media types (wildcards like `image/*` too). */
export function isBinaryMediaType(contentType: string | undefined, binaryTypes: string[]): boolean {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!type) return false;
  return binaryTypes.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === "*/*") return true;
    return p.endsWith("/*") ? type.startsWith(p.slice(0, -1)) : type === p;
  });
}

/** A resource's id, stable per resource like AWS's (six lower-case letters and digits). */
export const resourceIdOf = (resourcePath: string) =>
  BigInt(`0x${createHash("sha256").update(resourcePath).digest("hex").slice(0, 12)}`)
    .toString(36)
    .padStart(6, "0")
    .slice(-6);

export interface RestEventInput {
  method: string;
  /** The path after the stage, as sent (still percent-encoded). */
  resourcePath: string;
  rawQueryString: string;
  protocol: string;
  headers: Record<string, string[]>;
  body: Buffer;
  binaryMediaTypes: string[];
  resource: string;
  pathParameters: Record<string, string> | undefined;
  apiKey: { key: string; id: string };
  sourceIp: string;
  localPort: number;
  traceId: string;
  requestId: string;
  extendedRequestId: string;
  timeEpoch: number;
  accountId: string;
  apiId: string;
  stage: string;
}

export function buildRestEvent(input: RestEventInput): RestApiEvent {
  const headers = structuredClone(input.headers);
  const forwardedFor = headerValue(headers, "x-forwarded-for");
  setHeader(headers, "X-Amzn-Trace-Id", input.traceId);
  setHeader(
    headers,
    "X-Forwarded-For",
    forwardedFor ? `${forwardedFor}, ${input.sourceIp}` : input.sourceIp,
  );
  setHeader(headers, "X-Forwarded-Port", String(input.localPort));
  setHeader(headers, "X-Forwarded-Proto", "http");
  const multiQuery = parseMultiQuery(input.rawQueryString);
  const domainName = (headerValue(headers, "host") ?? "localhost").replace(/:\d+$/, "");
  const binary = isBinaryMediaType(headerValue(headers, "content-type"), input.binaryMediaTypes);
  const hasBody = input.body.length > 0;
  return {
    resource: input.resource,
    path: input.resourcePath,
    httpMethod: input.method,
    headers: lastValues(headers),
    multiValueHeaders: headers,
    queryStringParameters: multiQuery && lastValues(multiQuery),
    multiValueQueryStringParameters: multiQuery,
    pathParameters: input.pathParameters ?? null,
    stageVariables: null,
    requestContext: {
      accountId: input.accountId,
      apiId: input.apiId,
      domainName,
      domainPrefix: domainName.split(".")[0] ?? domainName,
      extendedRequestId: input.extendedRequestId,
      httpMethod: input.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: input.apiKey.key,
        apiKeyId: input.apiKey.id,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: input.sourceIp,
        user: null,
        userAgent: headerValue(headers, "user-agent") ?? null,
        userArn: null,
      },
      path: `/${input.stage}${input.resourcePath}`,
      protocol: input.protocol,
      requestId: input.requestId,
      requestTime: requestTime(input.timeEpoch),
      requestTimeEpoch: input.timeEpoch,
      resourceId: resourceIdOf(input.resource),
      resourcePath: input.resource,
      stage: input.stage,
    },
    // Without a binary media type, REST APIs pass the body as text, even bytes that are not UTF-8.
    body: hasBody ? input.body.toString(binary ? "base64" : "utf8") : null,
    isBase64Encoded: hasBody && binary,
  };
}
