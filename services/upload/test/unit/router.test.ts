import { type ApiRequest, PROBLEM_BASE } from "@platform/http-api";
import { describe, expect, it } from "vitest";
import upload from "../../service.ts";
import { dispatch, type Logger, routes } from "../../src/api/router.ts";
import type { FilesStore } from "../../src/ports.ts";
import { FILE_ID, fakePorts, memoryFiles } from "./fakes.ts";

const ALICE = { ownerId: "alice", actor: { type: "user" as const, id: "alice" } };

function request(overrides: Partial<ApiRequest> = {}): ApiRequest {
  return {
    routeKey: "GET /health",
    params: {},
    query: {},
    headers: {},
    body: Buffer.alloc(0),
    principal: ALICE,
    requestId: "req-1",
    ...overrides,
  };
}

function recordingLogger() {
  const logged: { message: string; details: Record<string, unknown> }[] = [];
  const logger: Logger = { error: (message, details) => logged.push({ message, details }) };
  return { logger, logged };
}

async function call(req: ApiRequest, ports = fakePorts()) {
  const { logger, logged } = recordingLogger();
  const response = await dispatch(req, ports, logger);
  return { ...response, json: response.body ? JSON.parse(response.body) : undefined, logged };
}

describe("the router", () => {
  it("serves exactly the routes the manifest declares", () => {
    expect(Object.keys(routes).sort()).toEqual(Object.keys(upload.routes ?? {}).sort());
  });

  it("answers the health check", async () => {
    const response = await call(request());
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ status: "ok" });
  });
});

describe("dispatch", () => {
  it("answers an unknown route with a 404 problem", async () => {
    const response = await call(request({ routeKey: "GET /nowhere" }));

    expect(response.statusCode).toBe(404);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(response.json).toEqual({
      type: `${PROBLEM_BASE}no-route`,
      title: "Not found",
      status: 404,
      detail: "no route GET /nowhere",
      instance: "urn:request:req-1",
    });
    expect(response.logged).toEqual([]);
  });

  it("answers a route's problem as problem+json naming each bad field", async () => {
    const body = { filename: "", size: -1, purpose: "nope", extra: true };
    const response = await call(
      request({
        routeKey: "POST /uploads",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: Buffer.from(JSON.stringify(body)),
      }),
    );

    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(response.json).toMatchObject({
      type: `${PROBLEM_BASE}invalid-request`,
      title: "The request is not valid",
      status: 400,
      detail: "5 invalid fields in the body",
      instance: "urn:request:req-1",
    });
    const named = response.json.errors.map(
      (e: { in: string; name: string }) => `${e.in} ${e.name}`,
    );
    expect(named.sort()).toEqual([
      "body contentType",
      "body extra",
      "body filename",
      "body purpose",
      "body size",
    ]);
    expect(response.logged).toEqual([]);
  });

  it("answers a request without a caller on a protected route with 401", async () => {
    const response = await call(request({ routeKey: "GET /files", principal: undefined }));
    expect(response.statusCode).toBe(401);
    expect(response.json).toEqual({
      type: `${PROBLEM_BASE}unauthenticated`,
      title: "Unauthenticated",
      status: 401,
      detail: "no caller identity on this request",
      instance: "urn:request:req-1",
    });
  });

  it("answers an unexpected failure with a 500 problem that keeps the cause to the log", async () => {
    const files: FilesStore = {
      ...memoryFiles(),
      get: async () => {
        throw new Error("connect ECONNREFUSED dynamodb.internal:8000");
      },
    };
    const response = await call(
      request({ routeKey: "GET /files/{fileId}", params: { fileId: FILE_ID } }),
      fakePorts({ files }),
    );

    expect(response.statusCode).toBe(500);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(response.json).toEqual({
      type: `${PROBLEM_BASE}internal`,
      title: "Internal error",
      status: 500,
      detail: "The request failed on our side; quote request req-1 when reporting it.",
      instance: "urn:request:req-1",
    });
    expect(response.body).not.toContain("ECONNREFUSED");
    expect(response.logged).toEqual([
      {
        message: "request failed",
        details: {
          routeKey: "GET /files/{fileId}",
          requestId: "req-1",
          error: {
            name: "Error",
            message: "connect ECONNREFUSED dynamodb.internal:8000",
            stack: expect.stringContaining("ECONNREFUSED"),
          },
        },
      },
    ]);
  });

  it("logs a thrown value that is not an Error as text", async () => {
    const files: FilesStore = {
      ...memoryFiles(),
      get: () => Promise.reject("socket hang up"),
    };
    const response = await call(
      request({ routeKey: "GET /files/{fileId}", params: { fileId: FILE_ID } }),
      fakePorts({ files }),
    );
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("socket hang up");
    expect(response.logged[0]?.details.error).toBe("socket hang up");
  });
});
