import type { Actor } from "@platform/events";

/**
 * One request, whichever door it came through: the HTTP API (JWT, payload format 2.0) or the
 * server door's REST API (API key, payload format 1.0).
 */
export interface Principal {
  /** Whose resources these are: the token's subject, or `apiKey:<id>` for a server client. */
  ownerId: string;
  actor: Actor;
}

export interface ApiRequest {
  /** `POST /uploads`, `DELETE /webhooks/{id}`: the route template, as the manifest names it. */
  routeKey: string;
  params: Record<string, string>;
  query: Record<string, string>;
  /** Names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
  principal: Principal | undefined;
  requestId: string;
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

interface HttpApiEvent {
  version: "2.0";
  routeKey: string;
  headers?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  pathParameters?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: {
    requestId: string;
    authorizer?: { jwt?: { claims?: Record<string, unknown> } };
  };
}

interface RestApiEvent {
  resource: string;
  httpMethod: string;
  headers?: Record<string, string> | null;
  queryStringParameters?: Record<string, string> | null;
  pathParameters?: Record<string, string> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext: { requestId: string; identity?: { apiKeyId?: string | null } };
}

export type GatewayEvent = HttpApiEvent | RestApiEvent;

const lowerCased = (headers: Record<string, string> | null | undefined) =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));

const bodyOf = (body: string | null | undefined, base64: boolean | undefined) =>
  body ? Buffer.from(body, base64 ? "base64" : "utf8") : Buffer.alloc(0);

function decoded(params: Record<string, string> | null | undefined): Record<string, string> {
  // REST APIs pass path parameters still percent-encoded; HTTP APIs decode them.
  return Object.fromEntries(
    Object.entries(params ?? {}).map(([k, v]) => {
      try {
        return [k, decodeURIComponent(v)];
      } catch {
        return [k, v];
      }
    }),
  );
}

/** Owners named `apiKey:<id>` are server clients; a token claiming such a subject is refused. */
const API_KEY_OWNER = "apiKey:";

export function toApiRequest(event: GatewayEvent): ApiRequest {
  if ("version" in event && event.version === "2.0") {
    const sub = event.requestContext.authorizer?.jwt?.claims?.sub;
    const user = typeof sub === "string" && sub !== "" && !sub.startsWith(API_KEY_OWNER);
    return {
      routeKey: event.routeKey,
      params: event.pathParameters ?? {},
      query: event.queryStringParameters ?? {},
      headers: lowerCased(event.headers),
      body: bodyOf(event.body, event.isBase64Encoded),
      principal: user ? { ownerId: sub, actor: { type: "user", id: sub } } : undefined,
      requestId: event.requestContext.requestId,
    };
  }
  const rest = event as RestApiEvent;
  const keyId = rest.requestContext.identity?.apiKeyId;
  return {
    routeKey: `${rest.httpMethod} ${rest.resource}`,
    params: decoded(rest.pathParameters),
    query: rest.queryStringParameters ?? {},
    headers: lowerCased(rest.headers),
    body: bodyOf(rest.body, rest.isBase64Encoded),
    principal: keyId
      ? { ownerId: `${API_KEY_OWNER}${keyId}`, actor: { type: "apiKey", id: keyId } }
      : undefined,
    requestId: rest.requestContext.requestId,
  };
}
