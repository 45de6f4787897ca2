import { describe, expect, it } from "vitest";
import { type ApiRequest, dispatch, HttpProblem, json, PROBLEM_BASE } from "../src/index.ts";

const request = (routeKey: string): ApiRequest => ({
  routeKey,
  params: {},
  query: {},
  headers: {},
  body: Buffer.alloc(0),
  principal: undefined,
  requestId: "req-7",
});

const routes = {
  "GET /ok": async () => json(200, { fine: true }),
  "GET /refused": async () => {
    throw new HttpProblem(409, "conflict", "Conflict", "not now");
  },
  "GET /broken": async () => {
    throw new Error("connect ECONNREFUSED 10.0.0.7:8000");
  },
};

async function call(routeKey: string) {
  const logged: Record<string, unknown>[] = [];
  const answer = await dispatch(
    routes,
    request(routeKey),
    {},
    {
      error: (_message, details) => logged.push(details),
    },
  );
  return { answer, body: JSON.parse(answer.body ?? "null"), logged };
}

describe("dispatch", () => {
  it("answers the route's answer", async () => {
    const { answer, body } = await call("GET /ok");
    expect(answer.statusCode).toBe(200);
    expect(body).toEqual({ fine: true });
  });

  it("answers an unknown route and a refusal as problems", async () => {
    const missing = await call("GET /nowhere");
    expect(missing.answer.statusCode).toBe(404);
    expect(missing.body).toMatchObject({
      type: `${PROBLEM_BASE}no-route`,
      instance: "urn:request:req-7",
    });
    const refused = await call("GET /refused");
    expect(refused.answer.headers["content-type"]).toBe("application/problem+json");
    expect(refused.body).toMatchObject({ status: 409, detail: "not now" });
    expect(refused.logged).toEqual([]);
  });

  it("logs an unplanned failure and tells the client only the request id", async () => {
    const { answer, body, logged } = await call("GET /broken");
    expect(answer.statusCode).toBe(500);
    expect(JSON.stringify(body)).not.toContain("10.0.0.7");
    expect(body.detail).toContain("req-7");
    expect(logged).toEqual([
      expect.objectContaining({
        routeKey: "GET /broken",
        requestId: "req-7",
        error: expect.objectContaining({ message: "connect ECONNREFUSED 10.0.0.7:8000" }),
      }),
    ]);
  });
});
