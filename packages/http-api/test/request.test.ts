import { describe, expect, it } from "vitest";
import { type GatewayEvent, toApiRequest } from "../src/request.ts";

const FILE_ID = "0b6a4c1e-7f3d-4a8e-9c2b-5d1e8f7a6b3c";

/** What the HTTP API hands the function after its JWT authorizer (payload format 2.0). */
function httpApiEvent(overrides: Record<string, unknown> = {}): GatewayEvent {
  return {
    version: "2.0",
    routeKey: "GET /files/{fileId}",
    headers: { Authorization: "Bearer t", "Content-Type": "application/json" },
    queryStringParameters: { variant: "small" },
    pathParameters: { fileId: FILE_ID },
    body: '{"a":1}',
    isBase64Encoded: false,
    requestContext: {
      requestId: "req-http",
      authorizer: { jwt: { claims: { sub: "alice", scope: "files:read" } } },
    },
    ...overrides,
  } as GatewayEvent;
}

/** What the REST server door hands the function after its API-key check (payload format 1.0). */
function restApiEvent(overrides: Record<string, unknown> = {}): GatewayEvent {
  return {
    resource: "/uploads/{fileId}/multipart/{uploadId}",
    httpMethod: "DELETE",
    headers: { "X-Api-Key": "secret" },
    queryStringParameters: null,
    pathParameters: { fileId: FILE_ID, uploadId: "abc%2Fdef%3D%3D" },
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: "req-rest", identity: { apiKeyId: "key-1" } },
    ...overrides,
  } as GatewayEvent;
}

describe("toApiRequest from the HTTP API (JWT)", () => {
  it("takes the route, parameters, lower-cased headers and the token's subject", () => {
    const req = toApiRequest(httpApiEvent());
    expect(req).toMatchObject({
      routeKey: "GET /files/{fileId}",
      params: { fileId: FILE_ID },
      query: { variant: "small" },
      headers: { authorization: "Bearer t", "content-type": "application/json" },
      principal: { ownerId: "alice", actor: { type: "user", id: "alice" } },
      requestId: "req-http",
    });
    expect(req.body.toString("utf8")).toBe('{"a":1}');
  });

  it("decodes a base64 body to its bytes", () => {
    const bytes = Buffer.from([0, 255, 10, 13, 128]);
    const req = toApiRequest(
      httpApiEvent({ body: bytes.toString("base64"), isBase64Encoded: true }),
    );
    expect(req.body.equals(bytes)).toBe(true);
  });

  it("has no principal without a subject claim", () => {
    expect(toApiRequest(httpApiEvent({ requestContext: { requestId: "r" } })).principal).toBe(
      undefined,
    );
    const emptySub = { requestId: "r", authorizer: { jwt: { claims: { sub: "" } } } };
    expect(toApiRequest(httpApiEvent({ requestContext: emptySub })).principal).toBeUndefined();
    const numericSub = { requestId: "r", authorizer: { jwt: { claims: { sub: 42 } } } };
    expect(toApiRequest(httpApiEvent({ requestContext: numericSub })).principal).toBeUndefined();
  });

  it("refuses a token whose subject poses as a server client's owner", () => {
    const posing = { requestId: "r", authorizer: { jwt: { claims: { sub: "apiKey:key-1" } } } };
    expect(toApiRequest(httpApiEvent({ requestContext: posing })).principal).toBeUndefined();
  });

  it("reads missing parts as empty", () => {
    const req = toApiRequest({
      version: "2.0",
      routeKey: "GET /health",
      requestContext: { requestId: "r" },
    });
    expect(req).toMatchObject({ params: {}, query: {}, headers: {} });
    expect(req.body.length).toBe(0);
  });
});

describe("toApiRequest from the REST server door (API key)", () => {
  it("builds the route key from method and resource, and the key's owner as principal", () => {
    const req = toApiRequest(restApiEvent());
    expect(req).toMatchObject({
      routeKey: "DELETE /uploads/{fileId}/multipart/{uploadId}",
      query: {},
      headers: { "x-api-key": "secret" },
      principal: { ownerId: "apiKey:key-1", actor: { type: "apiKey", id: "key-1" } },
      requestId: "req-rest",
    });
    expect(req.body.length).toBe(0);
  });

  it("percent-decodes path parameters, keeping a malformed one as sent", () => {
    expect(toApiRequest(restApiEvent()).params).toEqual({ fileId: FILE_ID, uploadId: "abc/def==" });
    const malformed = restApiEvent({ pathParameters: { fileId: "%E0%A4%A" } });
    expect(toApiRequest(malformed).params).toEqual({ fileId: "%E0%A4%A" });
  });

  it("decodes a base64 body to its bytes", () => {
    const bytes = Buffer.from("--boundary\r\n\u0000\u00ff", "latin1");
    const req = toApiRequest(
      restApiEvent({ body: bytes.toString("base64"), isBase64Encoded: true }),
    );
    expect(req.body.equals(bytes)).toBe(true);
  });

  it("has no principal without an API key", () => {
    expect(toApiRequest(restApiEvent({ requestContext: { requestId: "r" } })).principal).toBe(
      undefined,
    );
    const nullKey = { requestId: "r", identity: { apiKeyId: null } };
    expect(toApiRequest(restApiEvent({ requestContext: nullKey })).principal).toBeUndefined();
  });
});
