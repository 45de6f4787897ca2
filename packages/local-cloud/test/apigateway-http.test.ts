import http, { type OutgoingHttpHeaders } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { HttpApiCors } from "../src/apigateway/cors.ts";
import { type HttpApi, startHttpApi } from "../src/apigateway/http-api.ts";
import type { HttpApiEvent } from "../src/apigateway/payload.ts";
import type { JwtAuthorizer } from "../src/apigateway/ports.ts";
import type { HttpRoute } from "../src/apigateway/routes.ts";
import { FakeInvoker, returns } from "./support/fake-invoker.ts";
import { streamedPost } from "./support/streamed-post.ts";

class Invoker extends FakeInvoker<HttpApiEvent> {}

const CLAIMS = { sub: "user-1", email: "ada@example.com", "cognito:groups": ["editors"] };
const TOKEN_SCOPES = ["files/read", "files/write"];

/** Accepts "Bearer good" (with TOKEN_SCOPES); refuses other tokens with 401, missing scopes with 403. */
class FakeAuthorizer implements JwtAuthorizer {
  calls: { authorization: string | undefined; scopes: string[] }[] = [];
  async authorize(authorization: string | undefined, scopes: string[]) {
    this.calls.push({ authorization, scopes });
    if (authorization !== "Bearer good")
      return {
        ok: false as const,
        status: 401 as const,
        body: { message: "Unauthorized" },
        headers: { "www-authenticate": "Bearer" },
      };
    if (!scopes.every((s) => TOKEN_SCOPES.includes(s)))
      return {
        ok: false as const,
        status: 403 as const,
        body: { message: "Forbidden" },
        headers: { "www-authenticate": 'Bearer error="insufficient_scope"' },
      };
    return { ok: true as const, claims: CLAIMS, scopes: TOKEN_SCOPES };
  }
}

const ROUTES: HttpRoute[] = [
  { method: "POST", path: "/uploads", functionName: "UploadCreate", auth: "jwt", scopes: [] },
  {
    method: "PUT",
    path: "/files/{fileId}/content",
    functionName: "FilesPut",
    auth: "jwt",
    scopes: ["files/write"],
  },
  { method: "GET", path: "/files/{fileId}", functionName: "FilesGet", auth: "jwt", scopes: [] },
  {
    method: "DELETE",
    path: "/files/{fileId}",
    functionName: "FilesPurge",
    auth: "jwt",
    scopes: ["admin"],
  },
  { method: "GET", path: "/health", functionName: "Health", auth: "public", scopes: [] },
  { method: "GET", path: "/slow", functionName: "Slow", auth: "public", scopes: [] },
];

const ORIGIN = "https://app.example.com";
const CORS: HttpApiCors = {
  allowOrigins: [ORIGIN],
  allowMethods: ["GET", "POST", "PUT"],
  allowHeaders: ["authorization", "content-type"],
  exposeHeaders: ["etag", "x-request-id"],
  maxAgeSeconds: 600,
  allowCredentials: true,
};

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json(): unknown;
}

/** A raw HTTP request, so that the test controls every header the API sees. */
function request(
  api: HttpApi,
  method: string,
  path: string,
  headers: OutgoingHttpHeaders = {},
  body?: Buffer | string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${api.url}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const data = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: data,
          json: () => JSON.parse(data.toString("utf8")),
        });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const corsHeadersOf = (reply: Reply) =>
  Object.keys(reply.headers).filter((name) => name.startsWith("access-control-"));

let api: HttpApi;
const invoker = new Invoker();
const authorizer = new FakeAuthorizer();
const lines: string[] = [];

beforeAll(async () => {
  api = await startHttpApi({
    port: 0,
    routes: ROUTES,
    invoker,
    authorizer,
    cors: CORS,
    log: (line) => lines.push(line),
  });
});
afterAll(() => api.stop());
beforeEach(() => {
  invoker.calls = [];
  invoker.scripts.clear();
  authorizer.calls = [];
});

describe("the payload format 2.0 event", () => {
  it("carries path parameters, query, cookies, headers, the JWT's claims and a binary body in base64", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    const port = new URL(api.url).port;
    const reply = await request(
      api,
      "PUT",
      "/files/f%201/content?tag=a&tag=b&q=x+y",
      {
        authorization: "Bearer good",
        "content-type": "image/png",
        cookie: "session=abc; theme=dark",
        "x-multi": ["a", "b"],
        "user-agent": "test-agent",
      },
      png,
    );
    expect(reply.status).toBe(200);
    expect(invoker.calls).toHaveLength(1);
    const [call] = invoker.calls;
    expect(call?.name).toBe("FilesPut");
    expect(call?.event).toEqual({
      version: "2.0",
      routeKey: "PUT /files/{fileId}/content",
      rawPath: "/files/f 1/content",
      rawQueryString: "tag=a&tag=b&q=x+y",
      cookies: ["session=abc", "theme=dark"],
      headers: {
        authorization: "Bearer good",
        "content-type": "image/png",
        "content-length": "6",
        "x-multi": "a,b",
        "user-agent": "test-agent",
        host: `127.0.0.1:${port}`,
        "x-amzn-trace-id": expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/),
        "x-forwarded-for": "127.0.0.1",
        "x-forwarded-port": port,
        "x-forwarded-proto": "http",
      },
      queryStringParameters: { tag: "a,b", q: "x y" },
      requestContext: {
        accountId: "000000000000",
        apiId: "localhttp0",
        authorizer: { jwt: { claims: CLAIMS, scopes: TOKEN_SCOPES } },
        domainName: "127.0.0.1",
        domainPrefix: "127",
        http: {
          method: "PUT",
          path: "/files/f 1/content",
          protocol: "HTTP/1.1",
          sourceIp: "127.0.0.1",
          userAgent: "test-agent",
        },
        requestId: reply.headers["apigw-requestid"],
        routeKey: "PUT /files/{fileId}/content",
        stage: "$default",
        time: expect.stringMatching(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/),
        timeEpoch: expect.any(Number),
      },
      body: png.toString("base64"),
      pathParameters: { fileId: "f 1" },
      isBase64Encoded: true,
    });
    expect(reply.headers["apigw-requestid"]).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    expect(authorizer.calls).toEqual([{ authorization: "Bearer good", scopes: ["files/write"] }]);
  });

  it("passes a JSON body as text and omits what the request does not have", async () => {
    await request(
      api,
      "POST",
      "/uploads",
      { authorization: "Bearer good", "content-type": "application/json" },
      '{"name":"a.png"}',
    );
    const event = invoker.calls[0]?.event;
    expect(event?.body).toBe('{"name":"a.png"}');
    expect(event?.isBase64Encoded).toBe(false);
    expect(event).not.toHaveProperty("cookies");
    expect(event).not.toHaveProperty("queryStringParameters");
    expect(event).not.toHaveProperty("pathParameters");
    expect(event?.rawQueryString).toBe("");
  });

  it("omits the body of a request without one", async () => {
    await request(api, "GET", "/files/f1", { authorization: "Bearer good" });
    expect(invoker.calls[0]?.event).not.toHaveProperty("body");
    expect(invoker.calls[0]?.event.isBase64Encoded).toBe(false);
  });
});

describe("the function's result", () => {
  it("maps statusCode, headers, cookies and body", async () => {
    invoker.scripts.set("Health", () =>
      returns({
        statusCode: 201,
        headers: { "Content-Type": "text/plain", "X-Custom": "1", ETag: '"abc"' },
        cookies: ["a=1; Path=/; HttpOnly", "b=2"],
        body: "created",
      }),
    );
    const reply = await request(api, "GET", "/health");
    expect(reply.status).toBe(201);
    expect(reply.headers["content-type"]).toBe("text/plain");
    expect(reply.headers["x-custom"]).toBe("1");
    expect(reply.headers.etag).toBe('"abc"');
    expect(reply.headers["set-cookie"]).toEqual(["a=1; Path=/; HttpOnly", "b=2"]);
    expect(reply.body.toString()).toBe("created");
  });

  it("decodes a base64 body when isBase64Encoded is true", async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    invoker.scripts.set("Health", () =>
      returns({
        statusCode: 200,
        headers: { "content-type": "application/octet-stream" },
        body: bytes.toString("base64"),
        isBase64Encoded: true,
      }),
    );
    const reply = await request(api, "GET", "/health");
    expect(reply.body.equals(bytes)).toBe(true);
  });

  it.each([
    ["a string", "Hello from Lambda!", "Hello from Lambda!"],
    ["an object without statusCode", { message: "hi" }, '{"message":"hi"}'],
    ["an array", [1, 2], "[1,2]"],
    ["a number", 42, "42"],
    ["null (a handler returning nothing)", null, "null"],
  ])("answers %s with 200 and a JSON body, as API Gateway infers", async (_, value, body) => {
    invoker.scripts.set("Health", () => returns(value));
    const reply = await request(api, "GET", "/health");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(reply.body.toString()).toBe(body);
  });

  it("sends a statusCode response without a body or a type as an empty JSON answer", async () => {
    invoker.scripts.set("Health", () => returns({ statusCode: 204 }));
    const reply = await request(api, "GET", "/health");
    expect(reply.status).toBe(204);
    expect(reply.body.length).toBe(0);
  });

  it.each([
    ["a statusCode that is not a number", { statusCode: "200", body: "x" }],
    ["a status outside HTTP's", { statusCode: 42, body: "x" }],
    ["an object body", { statusCode: 200, body: { a: 1 } }],
    ["headers that are not an object", { statusCode: 200, headers: ["x"] }],
    ["a header value that is an object", { statusCode: 200, headers: { "x-a": { b: 1 } } }],
    ["cookies that are not strings", { statusCode: 200, cookies: [1] }],
    ["a base64 body that is not base64", { statusCode: 200, body: "%%%", isBase64Encoded: true }],
  ])("answers 500 for %s", async (_, value) => {
    invoker.scripts.set("Health", () => returns(value));
    const reply = await request(api, "GET", "/health");
    expect(reply.status).toBe(500);
    expect(reply.json()).toEqual({ message: "Internal Server Error" });
  });
});

describe("API Gateway's own answers", () => {
  it("answers an unknown route with 404 Not Found", async () => {
    for (const [method, path] of [
      ["GET", "/nowhere"],
      ["GET", "/uploads"],
      ["OPTIONS", "/uploads"],
    ] as const) {
      const reply = await request(api, method, path, { authorization: "Bearer good" });
      expect(reply.status).toBe(404);
      expect(reply.headers["content-type"]).toBe("application/json");
      expect(reply.json()).toEqual({ message: "Not Found" });
      expect(reply.headers["apigw-requestid"]).toBeTruthy();
    }
    expect(invoker.calls).toEqual([]);
  });

  it("answers a handler's error with 500 and nothing of the error", async () => {
    invoker.scripts.set("Health", () => ({
      ok: false,
      error: { errorType: "Error", errorMessage: "password=hunter2 at db.internal:5432" },
      timedOut: false,
    }));
    const reply = await request(api, "GET", "/health");
    expect(reply.status).toBe(500);
    expect(reply.body.toString()).toBe('{"message":"Internal Server Error"}');
    expect(lines.some((line) => line.includes("hunter2"))).toBe(true);
  });

  it("answers 500 when the invocation itself fails or the result is not JSON", async () => {
    invoker.scripts.set("Health", () => Promise.reject(new Error("worker crashed")));
    expect((await request(api, "GET", "/health")).json()).toEqual({
      message: "Internal Server Error",
    });
    invoker.scripts.set("Health", () => ({ ok: true, payload: "not json" }));
    const reply = await request(api, "GET", "/health");
    expect(reply.status).toBe(500);
    expect(reply.json()).toEqual({ message: "Internal Server Error" });
  });

  it("refuses a body over Lambda's 6 MB payload even under the 10 MB limit", async () => {
    const body = Buffer.alloc(7 * 1024 * 1024, 1);
    const reply = await request(
      api,
      "POST",
      "/uploads",
      { authorization: "Bearer good", "content-type": "application/octet-stream" },
      body,
    );
    expect(reply.status).toBe(413);
    expect(reply.json()).toEqual({ message: "Request Entity Too Large" });
    expect(invoker.calls).toEqual([]);
  });
});

describe("limits", () => {
  let small: HttpApi;
  beforeAll(async () => {
    small = await startHttpApi({
      port: 0,
      routes: [
        ...ROUTES,
        {
          method: "ANY",
          path: "/proxy/{proxy+}",
          functionName: "Proxy",
          auth: "public",
          scopes: [],
        },
      ],
      invoker,
      authorizer,
      cors: CORS,
      integrationTimeoutMs: 100,
      maxBodyBytes: 1024,
    });
  });
  afterAll(() => small.stop());

  it("answers a body over the limit with 413 Request Entity Too Large", async () => {
    const reply = await request(
      small,
      "POST",
      "/uploads",
      { authorization: "Bearer good" },
      Buffer.alloc(1025),
    );
    expect(reply.status).toBe(413);
    expect(reply.json()).toEqual({ message: "Request Entity Too Large" });
    expect(invoker.calls).toEqual([]);
  });

  it("answers 413 to a streamed body that outgrows the limit", async () => {
    const reply = await streamedPost(`${small.url}/uploads`, { authorization: "Bearer good" });
    expect(reply).toBe(413);
    expect(invoker.calls).toEqual([]);
  });

  it("leaves a preflight to a route of the API's own that takes OPTIONS", async () => {
    const reply = await request(small, "OPTIONS", "/proxy/a", {
      origin: ORIGIN,
      "access-control-request-method": "GET",
    });
    expect(reply.status).toBe(200);
    expect(invoker.calls.map((c) => c.event.routeKey)).toEqual(["ANY /proxy/{proxy+}"]);
  });

  it("accepts a body of exactly the limit", async () => {
    const reply = await request(
      small,
      "POST",
      "/uploads",
      { authorization: "Bearer good" },
      Buffer.alloc(1024),
    );
    expect(reply.status).toBe(200);
  });

  it("answers an integration slower than the timeout with 503 Service Unavailable", async () => {
    invoker.scripts.set(
      "Slow",
      () => new Promise((resolve) => setTimeout(() => resolve(returns("late")), 400)),
    );
    const reply = await request(small, "GET", "/slow");
    expect(reply.status).toBe(503);
    expect(reply.json()).toEqual({ message: "Service Unavailable" });
  });
});

describe("authorization", () => {
  it("invokes a public route without asking the authorizer", async () => {
    const reply = await request(api, "GET", "/health");
    expect(reply.status).toBe(200);
    expect(authorizer.calls).toEqual([]);
    expect(invoker.calls[0]?.event.requestContext).not.toHaveProperty("authorizer");
  });

  it("answers the authorizer's refusal as is, without invoking the function", async () => {
    const missing = await request(api, "GET", "/files/f1");
    expect(missing.status).toBe(401);
    expect(missing.json()).toEqual({ message: "Unauthorized" });
    expect(missing.headers["www-authenticate"]).toBe("Bearer");

    const scope = await request(api, "DELETE", "/files/f1", { authorization: "Bearer good" });
    expect(scope.status).toBe(403);
    expect(scope.json()).toEqual({ message: "Forbidden" });
    expect(scope.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope"');
    expect(authorizer.calls.at(-1)).toEqual({ authorization: "Bearer good", scopes: ["admin"] });
    expect(invoker.calls).toEqual([]);
  });

  it("answers a request with only x-api-key like one without a token: HTTP APIs have no API keys", async () => {
    const reply = await request(api, "GET", "/files/f1", { "x-api-key": "a".repeat(40) });
    expect(reply.status).toBe(401);
    expect(reply.json()).toEqual({ message: "Unauthorized" });
    expect(reply.headers["www-authenticate"]).toBe("Bearer");
    expect(authorizer.calls).toEqual([{ authorization: undefined, scopes: [] }]);
    expect(invoker.calls).toEqual([]);
  });

  it("passes x-api-key to the function as an ordinary header on a public route", async () => {
    const reply = await request(api, "GET", "/health", { "x-api-key": "a".repeat(40) });
    expect(reply.status).toBe(200);
    expect(invoker.calls[0]?.event.headers["x-api-key"]).toBe("a".repeat(40));
    expect(invoker.calls[0]?.event.requestContext).not.toHaveProperty("authorizer");
  });
});

describe("CORS", () => {
  it("answers an allowed preflight itself, even for a path without routes", async () => {
    for (const path of ["/uploads", "/nowhere"]) {
      const reply = await request(api, "OPTIONS", path, {
        origin: ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      });
      expect(reply.status).toBe(204);
      expect(reply.headers).toMatchObject({
        "access-control-allow-origin": ORIGIN,
        "access-control-allow-methods": "GET,POST,PUT",
        "access-control-allow-headers": "authorization,content-type",
        "access-control-max-age": "600",
        "access-control-allow-credentials": "true",
      });
      expect(reply.body.length).toBe(0);
    }
    expect(invoker.calls).toEqual([]);
  });

  it("answers a preflight from another origin, or for another method, without CORS headers", async () => {
    const origin = await request(api, "OPTIONS", "/uploads", {
      origin: "https://evil.example.com",
      "access-control-request-method": "POST",
    });
    const method = await request(api, "OPTIONS", "/uploads", {
      origin: ORIGIN,
      "access-control-request-method": "DELETE",
    });
    for (const reply of [origin, method]) {
      expect(reply.status).toBe(204);
      expect(corsHeadersOf(reply)).toEqual([]);
    }
  });

  it("adds CORS headers to an allowed origin's response, replacing the function's own", async () => {
    invoker.scripts.set("Health", () =>
      returns({ statusCode: 200, headers: { "Access-Control-Allow-Origin": "*" }, body: "{}" }),
    );
    const reply = await request(api, "GET", "/health", { origin: ORIGIN });
    expect(reply.headers["access-control-allow-origin"]).toBe(ORIGIN);
    expect(reply.headers["access-control-allow-credentials"]).toBe("true");
    expect(reply.headers["access-control-expose-headers"]).toBe("etag,x-request-id");
    expect(reply.headers).not.toHaveProperty("access-control-allow-methods");
  });

  it("adds none for another origin, or without an Origin header, and drops the function's", async () => {
    invoker.scripts.set("Health", () =>
      returns({ statusCode: 200, headers: { "access-control-allow-origin": "*" }, body: "{}" }),
    );
    const other = await request(api, "GET", "/health", { origin: "https://evil.example.com" });
    const none = await request(api, "GET", "/health");
    expect(corsHeadersOf(other)).toEqual([]);
    expect(corsHeadersOf(none)).toEqual([]);
  });

  it("refuses to start with credentials allowed for any origin, as API Gateway does", async () => {
    await expect(
      startHttpApi({
        port: 0,
        routes: ROUTES,
        invoker,
        authorizer,
        cors: { ...CORS, allowOrigins: ["*"] },
      }),
    ).rejects.toThrow("allow-credentials is not supported if 'allow-origin' is *");
  });
});
