import { mkdtemp, rm } from "node:fs/promises";
import http, { type OutgoingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApiKeys } from "../src/apigateway/api-keys.ts";
import { type RestApi, startRestApi } from "../src/apigateway/rest-api.ts";
import type { RestApiEvent } from "../src/apigateway/rest-payload.ts";
import type { Route } from "../src/apigateway/routes.ts";
import { FakeInvoker, returns } from "./support/fake-invoker.ts";
import { streamedPost } from "./support/streamed-post.ts";

class Invoker extends FakeInvoker<RestApiEvent> {}

const ROUTES: Route[] = [
  { method: "POST", path: "/uploads", functionName: "UploadCreate" },
  { method: "GET", path: "/files/{fileId}", functionName: "FilesGet" },
  { method: "PUT", path: "/files/{fileId}/content", functionName: "FilesPut" },
  { method: "GET", path: "/health", functionName: "Health" },
  { method: "GET", path: "/slow", functionName: "Slow" },
];
const ROOMY = { rateLimit: 1000, burstLimit: 1000, quotaPerDay: 1_000_000 };

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text(): string;
}

/** A raw HTTP request, so that the test controls every header (and its spelling) the API sees. */
function request(
  url: string,
  method: string,
  headers: OutgoingHttpHeaders = {},
  body?: Buffer | string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const data = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: data,
          text: () => data.toString("utf8"),
        });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

let api: RestApi;
let keyDir: string;
let keys: ApiKeys;
let key: string;
let keyId: string;
const invoker = new Invoker();
const lines: string[] = [];
/** A request through the stage with the roomy key, unless the headers say otherwise. */
const call = (
  method: string,
  path: string,
  headers: OutgoingHttpHeaders = {},
  body?: Buffer | string,
) => request(`${api.url}${path}`, method, { "x-api-key": key, ...headers }, body);

beforeAll(async () => {
  keyDir = await mkdtemp(join(tmpdir(), "rest-api-"));
  keys = new ApiKeys(keyDir);
  ({ key, id: keyId } = await keys.create({ name: "erp", owner: "acme", plan: ROOMY }));
  api = await startRestApi({
    port: 0,
    routes: ROUTES,
    invoker,
    apiKeys: keys,
    log: (line) => lines.push(line),
  });
});
afterAll(async () => {
  await api.stop();
  await rm(keyDir, { recursive: true, force: true });
});
beforeEach(() => {
  invoker.calls = [];
  invoker.scripts.clear();
});

describe("the payload format 1.0 event", () => {
  it("carries the resource, the encoded path, every header and query value, and the key", async () => {
    const port = new URL(api.url).port;
    const reply = await request(
      `${api.url}/files/f%201?tag=a&tag=b&q=x+y&plus=a%2Bb&empty=`,
      "GET",
      { "X-Api-Key": key, "User-Agent": "test-agent", "x-multi": ["a", "b"], Accept: "*/*" },
    );
    expect(reply.status).toBe(200);
    expect(api.url).toBe(`http://127.0.0.1:${port}/prod`);
    const trace = expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(invoker.calls).toEqual([
      {
        name: "FilesGet",
        event: {
          resource: "/files/{fileId}",
          path: "/files/f%201",
          httpMethod: "GET",
          headers: {
            "X-Api-Key": key,
            "User-Agent": "test-agent",
            "x-multi": "b",
            Accept: "*/*",
            Host: `127.0.0.1:${port}`,
            "X-Amzn-Trace-Id": trace,
            "X-Forwarded-For": "127.0.0.1",
            "X-Forwarded-Port": port,
            "X-Forwarded-Proto": "http",
          },
          multiValueHeaders: {
            "X-Api-Key": [key],
            "User-Agent": ["test-agent"],
            "x-multi": ["a", "b"],
            Accept: ["*/*"],
            Host: [`127.0.0.1:${port}`],
            "X-Amzn-Trace-Id": [trace],
            "X-Forwarded-For": ["127.0.0.1"],
            "X-Forwarded-Port": [port],
            "X-Forwarded-Proto": ["http"],
          },
          queryStringParameters: { tag: "b", q: "x y", plus: "a+b", empty: "" },
          multiValueQueryStringParameters: {
            tag: ["a", "b"],
            q: ["x y"],
            plus: ["a+b"],
            empty: [""],
          },
          pathParameters: { fileId: "f%201" },
          stageVariables: null,
          requestContext: {
            accountId: "000000000000",
            apiId: "localrest0",
            domainName: "127.0.0.1",
            domainPrefix: "127",
            extendedRequestId: reply.headers["x-amz-apigw-id"],
            httpMethod: "GET",
            identity: {
              accessKey: null,
              accountId: null,
              apiKey: key,
              apiKeyId: keyId,
              caller: null,
              cognitoAuthenticationProvider: null,
              cognitoAuthenticationType: null,
              cognitoIdentityId: null,
              cognitoIdentityPoolId: null,
              principalOrgId: null,
              sourceIp: "127.0.0.1",
              user: null,
              userAgent: "test-agent",
              userArn: null,
            },
            path: "/prod/files/f%201",
            protocol: "HTTP/1.1",
            requestId: reply.headers["x-amzn-requestid"],
            requestTime: expect.stringMatching(
              /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/,
            ),
            requestTimeEpoch: expect.any(Number),
            resourceId: expect.stringMatching(/^[a-z0-9]{6}$/),
            resourcePath: "/files/{fileId}",
            stage: "prod",
          },
          body: null,
          isBase64Encoded: false,
        },
      },
    ]);
  });

  it("sends null for the parts a request does not have", async () => {
    await call("GET", "/health");
    expect(invoker.calls[0]?.event).toMatchObject({
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
    });
  });

  it("keeps one resource id per resource, as AWS does", async () => {
    await call("GET", "/files/a");
    await call("GET", "/files/b");
    await call("GET", "/health");
    const [a, b, health] = invoker.calls.map((c) => c.event.requestContext.resourceId);
    expect(a).toBe(b);
    expect(health).not.toBe(a);
  });

  it.each(["image/png", "application/octet-stream", "multipart/form-data; boundary=x"])(
    "passes a %s body base64-encoded, a binary media type of the API",
    async (type) => {
      const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
      await call("PUT", "/files/f1/content", { "content-type": type }, bytes);
      expect(invoker.calls[0]?.event).toMatchObject({
        body: bytes.toString("base64"),
        isBase64Encoded: true,
      });
    },
  );

  it.each([
    ["application/json", '{"name":"a.png"}'],
    ["application/x-www-form-urlencoded", "name=a.png&size=3"],
  ])("passes a %s body as text, not a binary media type of the API", async (type, body) => {
    await call("POST", "/uploads", { "content-type": type }, body);
    const event = invoker.calls[0]?.event;
    expect(event).toMatchObject({ body, isBase64Encoded: false });
    // The client sent Content-Length; the event carries the body, not its length.
    const names = Object.keys(event?.multiValueHeaders ?? {}).map((n) => n.toLowerCase());
    expect(names).toContain("content-type");
    expect(names).not.toContain("content-length");
  });
});

describe("the function's result", () => {
  it("maps statusCode and body, merging headers into multiValueHeaders, which win", async () => {
    invoker.scripts.set("Health", () =>
      returns({
        statusCode: 201,
        headers: { "Content-Type": "text/plain", "X-Custom": "single", "X-Both": "from-headers" },
        multiValueHeaders: { "Set-Cookie": ["a=1; Path=/", "b=2"], "x-both": ["m1", "m2"] },
        body: "created",
      }),
    );
    const reply = await call("GET", "/health");
    expect(reply.status).toBe(201);
    expect(reply.headers["content-type"]).toBe("text/plain");
    expect(reply.headers["x-custom"]).toBe("single");
    expect(reply.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2"]);
    expect(reply.headers["x-both"]).toBe("m1, m2");
    expect(reply.text()).toBe("created");
  });

  it("answers JSON by default, and keeps headers API Gateway owns as x-amzn-Remapped-*", async () => {
    invoker.scripts.set("Health", () =>
      returns({
        statusCode: 200,
        headers: { "Content-Length": "999", Date: "yesterday", Server: "fn" },
        body: "hello",
      }),
    );
    const reply = await call("GET", "/health");
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(reply.headers["content-length"]).toBe("5");
    expect(reply.headers["x-amzn-remapped-content-length"]).toBe("999");
    expect(reply.headers["x-amzn-remapped-date"]).toBe("yesterday");
    expect(reply.headers["x-amzn-remapped-server"]).toBe("fn");
    expect(reply.text()).toBe("hello");
  });

  it("sends a statusCode without a body as an empty answer", async () => {
    invoker.scripts.set("Health", () => returns({ statusCode: 204 }));
    const reply = await call("GET", "/health");
    expect(reply.status).toBe(204);
    expect(reply.body.length).toBe(0);
  });

  describe("a base64 body (isBase64Encoded)", () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    beforeEach(() => {
      invoker.scripts.set("Health", () =>
        returns({
          statusCode: 200,
          headers: { "content-type": "image/png" },
          body: bytes.toString("base64"),
          isBase64Encoded: true,
        }),
      );
    });

    it("is decoded when the first Accept type is a binary media type", async () => {
      const reply = await call("GET", "/health", { accept: "image/png, */*" });
      expect(reply.body.equals(bytes)).toBe(true);
    });

    it.each([
      ["another first Accept type", "application/json, image/png"],
      ["any type", "*/*"],
    ])("stays base64 text for %s, as API Gateway sends it", async (_, accept) => {
      const reply = await call("GET", "/health", { accept });
      expect(reply.text()).toBe(bytes.toString("base64"));
    });

    it("stays base64 text without an Accept header", async () => {
      const reply = await call("GET", "/health");
      expect(reply.text()).toBe(bytes.toString("base64"));
    });
  });

  it("answers 500 when it must decode a body that is not base64", async () => {
    invoker.scripts.set("Health", () =>
      returns({ statusCode: 200, body: "%%%", isBase64Encoded: true }),
    );
    const reply = await call("GET", "/health", { accept: "image/png" });
    expect(reply.status).toBe(500);
    expect(reply.text()).toBe('{"message": "Internal server error"}');
  });

  it.each([
    ["a string", "Hello from Lambda!"],
    ["null (a handler returning nothing)", null],
    ["an object without statusCode", { body: "x" }],
    ["a statusCode that is a string", { statusCode: "200", body: "x" }],
    ["a status outside HTTP's", { statusCode: 42 }],
    ["an object body", { statusCode: 200, body: { a: 1 } }],
    ["headers that are not an object", { statusCode: 200, headers: ["x"] }],
    ["a header value that is an object", { statusCode: 200, headers: { "x-a": { b: 1 } } }],
    ["multiValueHeaders that are not lists", { statusCode: 200, multiValueHeaders: { a: "b" } }],
    ["an isBase64Encoded that is not a boolean", { statusCode: 200, isBase64Encoded: "yes" }],
    ["a field of payload format 2.0 (cookies)", { statusCode: 200, cookies: ["a=1"] }],
  ])("answers 502 for %s, a malformed proxy response", async (_, value) => {
    invoker.scripts.set("Health", () => returns(value));
    const reply = await call("GET", "/health");
    expect(reply.status).toBe(502);
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(reply.headers["x-amzn-errortype"]).toBe("InternalServerErrorException");
    expect(reply.text()).toBe('{"message": "Internal server error"}');
  });
});

describe("failures of the integration", () => {
  it("answers a handler's error with 502 and nothing of the error, which goes to the log", async () => {
    invoker.scripts.set("Health", () => ({
      ok: false,
      error: { errorType: "Error", errorMessage: "password=hunter2 at db.internal:5432" },
      timedOut: false,
    }));
    const reply = await call("GET", "/health");
    expect(reply.status).toBe(502);
    expect(reply.text()).toBe('{"message": "Internal server error"}');
    expect(JSON.stringify(reply.headers)).not.toContain("hunter2");
    expect(lines.some((line) => line.includes("hunter2"))).toBe(true);
  });

  it("answers 502 when the invocation crashes or the result is not JSON", async () => {
    invoker.scripts.set("Health", () => Promise.reject(new Error("worker crashed")));
    const crashed = await call("GET", "/health");
    invoker.scripts.set("Health", () => ({ ok: true, payload: "not json" }));
    const garbled = await call("GET", "/health");
    for (const reply of [crashed, garbled]) {
      expect(reply.status).toBe(502);
      expect(reply.text()).toBe('{"message": "Internal server error"}');
    }
  });

  it("answers 502 for a result over Lambda's 6 MB", async () => {
    invoker.scripts.set("Health", () => returns({ statusCode: 200, body: "x".repeat(7 << 20) }));
    const reply = await call("GET", "/health");
    expect(reply.status).toBe(502);
    expect(reply.text()).toBe('{"message": "Internal server error"}');
  });

  it("refuses a body over Lambda's 6 MB payload even under the 10 MB limit", async () => {
    const body = Buffer.alloc(7 * 1024 * 1024, 1);
    const reply = await call("POST", "/uploads", { "content-type": "image/png" }, body);
    expect(reply.status).toBe(413);
    expect(reply.headers["x-amzn-errortype"]).toBe("BadRequestException");
    expect(reply.text()).toBe('{"message": "Request Too Long"}');
    expect(invoker.calls).toEqual([]);
  });
});

describe("API keys and usage plans", () => {
  it("refuses a request without x-api-key with 403 Forbidden", async () => {
    const reply = await request(`${api.url}/health`, "GET");
    expect(reply.status).toBe(403);
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(reply.headers["x-amzn-errortype"]).toBe("ForbiddenException");
    expect(reply.text()).toBe('{"message":"Forbidden"}');
    expect(invoker.calls).toEqual([]);
  });

  it("refuses an unknown key with 403 Forbidden", async () => {
    const reply = await call("GET", "/health", { "x-api-key": "0".repeat(40) });
    expect(reply.status).toBe(403);
    expect(reply.text()).toBe('{"message":"Forbidden"}');
    expect(invoker.calls).toEqual([]);
  });

  it("refuses a key once it is revoked", async () => {
    const revokable = await keys.create({ name: "old", owner: "acme", plan: ROOMY });
    const headers = { "x-api-key": revokable.key };
    expect((await call("GET", "/health", headers)).status).toBe(200);
    await keys.revoke(revokable.id);
    const reply = await call("GET", "/health", headers);
    expect(reply.status).toBe(403);
    expect(reply.text()).toBe('{"message":"Forbidden"}');
    expect(invoker.calls).toHaveLength(1);
  });

  it("lets the burst through, then answers 429 Too Many Requests", async () => {
    // One request per 100 s after the burst: the third is refused however slow the machine.
    const plan = { rateLimit: 0.01, burstLimit: 2, quotaPerDay: 100 };
    const cron = await keys.create({ name: "cron", owner: "acme", plan });
    const statuses = [];
    for (let i = 0; i < 2; i++)
      statuses.push((await call("GET", "/health", { "x-api-key": cron.key })).status);
    const limited = await call("GET", "/health", { "x-api-key": cron.key });
    expect(statuses).toEqual([200, 200]);
    expect(limited.status).toBe(429);
    expect(limited.text()).toBe('{"message":"Too Many Requests"}');
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(invoker.calls).toHaveLength(2);
  });

  it("answers 429 Limit Exceeded past the daily quota", async () => {
    const plan = { rateLimit: 100, burstLimit: 100, quotaPerDay: 2 };
    const nightly = await keys.create({ name: "nightly", owner: "acme", plan });
    for (let i = 0; i < 2; i++)
      expect((await call("GET", "/health", { "x-api-key": nightly.key })).status).toBe(200);
    const over = await call("GET", "/health", { "x-api-key": nightly.key });
    expect(over.status).toBe(429);
    expect(over.text()).toBe('{"message":"Limit Exceeded"}');
    expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
  });
});

describe("routing", () => {
  it.each([
    ["an unknown path", "GET", "/prod/nowhere"],
    ["a method the resource lacks", "DELETE", "/prod/uploads"],
    ["a path without the stage", "GET", "/files/f1"],
    ["another stage", "GET", "/dev/files/f1"],
    ["the root", "GET", "/"],
  ])("answers %s with 403 Missing Authentication Token, key or not", async (_, method, path) => {
    const origin = new URL(api.url).origin;
    for (const headers of [{ "x-api-key": key }, {}]) {
      const reply = await request(`${origin}${path}`, method, headers);
      expect(reply.status).toBe(403);
      expect(reply.headers["x-amzn-errortype"]).toBe("MissingAuthenticationTokenException");
      expect(reply.text()).toBe('{"message":"Missing Authentication Token"}');
    }
    expect(invoker.calls).toEqual([]);
  });

  it("marks every answer with the request's ids, whoever gives it", async () => {
    invoker.scripts.set("UploadCreate", () => Promise.reject(new Error("boom")));
    const replies = [
      await call("GET", "/health"),
      await call("GET", "/nowhere"),
      await call("GET", "/health", { "x-api-key": "nope" }),
      await call("POST", "/uploads"),
    ];
    expect(replies.map((r) => r.status)).toEqual([200, 403, 403, 502]);
    for (const reply of replies) {
      expect(reply.headers["x-amzn-requestid"]).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      expect(reply.headers["x-amz-apigw-id"]).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    }
    expect(new Set(replies.map((r) => r.headers["x-amzn-requestid"])).size).toBe(4);
  });
});

describe("limits and stages", () => {
  let small: RestApi;
  beforeAll(async () => {
    small = await startRestApi({
      port: 0,
      routes: ROUTES,
      invoker,
      apiKeys: keys,
      stage: "test",
      integrationTimeoutMs: 100,
      maxBodyBytes: 1024,
    });
  });
  afterAll(() => small.stop());
  const post = (body: Buffer) =>
    request(`${small.url}/uploads`, "POST", { "x-api-key": key }, body);

  it("serves under its own stage, which the event names", async () => {
    expect(small.url).toMatch(/\/test$/);
    expect((await request(`${small.url}/health`, "GET", { "x-api-key": key })).status).toBe(200);
    expect(invoker.calls[0]?.event.requestContext).toMatchObject({
      stage: "test",
      path: "/test/health",
    });
  });

  it("answers a body over the limit with 413, in REST's own words, before any check", async () => {
    const reply = await request(`${small.url}/nowhere`, "POST", {}, Buffer.alloc(1025));
    expect(reply.status).toBe(413);
    expect(reply.headers["content-type"]).toBe("text; charset=utf-8");
    expect(reply.text()).toBe("HTTP content length exceeded 1024 bytes.");
    expect(reply.headers["x-amzn-requestid"]).toBeTruthy();
    expect(invoker.calls).toEqual([]);
  });

  it("answers 413 to a streamed body that outgrows the limit", async () => {
    const status = await streamedPost(`${small.url}/uploads`, { "x-api-key": key });
    expect(status).toBe(413);
    expect(invoker.calls).toEqual([]);
  });

  it("accepts a body of exactly the limit", async () => {
    expect((await post(Buffer.alloc(1024))).status).toBe(200);
  });

  it("answers an integration slower than the timeout with 504", async () => {
    invoker.scripts.set(
      "Slow",
      () => new Promise((resolve) => setTimeout(() => resolve(returns({ statusCode: 200 })), 400)),
    );
    const reply = await request(`${small.url}/slow`, "GET", { "x-api-key": key });
    expect(reply.status).toBe(504);
    expect(reply.text()).toBe('{"message": "Endpoint request timed out"}');
  });

  it("refuses a stage name API Gateway would refuse", async () => {
    await expect(
      startRestApi({ port: 0, routes: ROUTES, invoker, apiKeys: keys, stage: "a/b" }),
    ).rejects.toThrow("stage name a/b");
  });
});
