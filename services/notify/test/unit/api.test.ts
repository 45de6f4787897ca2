import type { ApiRequest } from "@platform/http-api";
import { describe, expect, it } from "vitest";
import notify from "../../service.ts";
import { documentedRoutes, openApiDocument } from "../../src/api/openapi.ts";
import { dispatch, routes } from "../../src/api/router.ts";
import type { Ports } from "../../src/ports.ts";
import { fakePorts, status } from "../support/fakes.ts";

const silent = { error: () => {} };

function request(routeKey: string, options: Partial<ApiRequest> & { json?: unknown } = {}) {
  const { json, ...rest } = options;
  return {
    routeKey,
    params: {},
    query: {},
    headers: json === undefined ? {} : { "content-type": "application/json" },
    body: Buffer.from(json === undefined ? "" : JSON.stringify(json)),
    principal: { ownerId: "alice", actor: { type: "user" as const, id: "alice" } },
    requestId: "r-1",
    ...rest,
  };
}

async function call(ports: Ports, routeKey: string, options: Parameters<typeof request>[1] = {}) {
  const answer = await dispatch(request(routeKey, options), ports, silent);
  return { ...answer, json: answer.body ? JSON.parse(answer.body) : undefined };
}

/** Cloud rules, with a resolver that knows a public and a private name. */
function cloudPorts() {
  const fake = fakePorts({
    runtime: "cloud",
    resolve: async (host) =>
      ({
        "hooks.example.com": ["93.184.216.34"],
        "internal.example.com": ["93.184.216.34", "10.0.0.5"],
        "rebind.example.com": ["::ffff:127.0.0.1"],
      })[host] ?? [],
  });
  return fake;
}

describe("the webhooks API", () => {
  it("serves exactly the manifest's routes, and documents each of them", () => {
    const declared = Object.keys(notify.routes ?? {}).sort();
    expect(Object.keys(routes).sort()).toEqual(declared);
    expect([...documentedRoutes].sort()).toEqual(declared);
    const paths = openApiDocument().paths;
    expect(Object.keys(paths).sort()).toEqual([
      "/webhooks",
      "/webhooks/openapi.json",
      "/webhooks/{id}",
      "/webhooks/{id}/test",
    ]);
    expect(JSON.stringify(paths["/webhooks"]?.post)).toContain("upload.file.received");
  });

  it("registers an https webhook reaching public addresses, with its secret in that answer only", async () => {
    const { ports, webhooks } = cloudPorts();
    const created = await call(ports, "POST /webhooks", {
      json: { url: "https://hooks.example.com/in", events: ["upload.file.ready"] },
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe(`/webhooks/${created.json.id}`);
    expect(created.json).toMatchObject({ url: "https://hooks.example.com/in", enabled: true });
    expect(created.json.secret).toBe(webhooks.get(created.json.id)?.secret);
    const listed = await call(ports, "GET /webhooks");
    expect(listed.body).not.toContain(created.json.secret);
    expect(listed.json.items[0]).not.toHaveProperty("secret");
    expect(listed.json.items[0]).not.toHaveProperty("epoch");
  });

  it("refuses, in the cloud, URLs that reach private addresses or are not https", async () => {
    const { ports, webhooks } = cloudPorts();
    const refused = async (url: string) => {
      const answer = await call(ports, "POST /webhooks", {
        json: { url, events: ["upload.file.ready"] },
      });
      expect(answer.statusCode).toBe(400);
      expect(answer.headers["content-type"]).toBe("application/problem+json");
      return answer.json.errors;
    };
    expect(await refused("https://internal.example.com/in")).toEqual([
      {
        in: "body",
        name: "url",
        detail: "internal.example.com resolves to a refused address: 10.0.0.5 is private",
      },
    ]);
    expect((await refused("https://rebind.example.com/"))[0].detail).toContain(
      "IPv4-mapped loopback",
    );
    expect((await refused("https://[fd00:ec2::254]/"))[0].detail).toContain("unique-local");
    expect((await refused("http://127.0.0.1:8080/"))[0].detail).toBe("must be https in the cloud");
    expect(webhooks.size).toBe(0);
  });

  it("names every bad field, unknown event names included, as problem+json", async () => {
    const { ports } = cloudPorts();
    const answer = await call(ports, "POST /webhooks", {
      json: { url: 7, events: ["upload.file.ready", "file.exploded"], extra: true },
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.json).toMatchObject({
      type: "https://file-platform.dev/problems/invalid-request",
      status: 400,
      instance: "urn:request:r-1",
    });
    const names = answer.json.errors.map((e: { name: string }) => e.name).sort();
    expect(names).toEqual(["events.1", "extra", "url"]);
    const empty = await call(ports, "POST /webhooks", {
      json: { url: "https://hooks.example.com/", events: [] },
    });
    expect(empty.json.errors).toEqual([
      { in: "body", name: "events", detail: expect.stringContaining(">=1") },
    ]);
    const twice = await call(ports, "POST /webhooks", {
      json: {
        url: "https://hooks.example.com/",
        events: ["upload.file.ready", "upload.file.ready"],
      },
    });
    expect(twice.json.errors[0].detail).toBe("names each event once");
  });

  it("answers 415 to a body that is not JSON, and 400 to a bad id", async () => {
    const { ports } = cloudPorts();
    const text = await call(ports, "POST /webhooks", {
      headers: { "content-type": "text/plain" },
      body: Buffer.from("url=x"),
    });
    expect(text.statusCode).toBe(415);
    const badId = await call(ports, "DELETE /webhooks/{id}", { params: { id: "nope" } });
    expect(badId.statusCode).toBe(400);
    expect(badId.json.errors[0]).toMatchObject({ in: "path", name: "id" });
  });

  it("answers 404 for another owner's webhook, exactly as for none", async () => {
    const { ports } = cloudPorts();
    const created = await call(ports, "POST /webhooks", {
      json: { url: "https://hooks.example.com/in", events: ["upload.file.ready"] },
    });
    const bob = { ownerId: "bob", actor: { type: "user" as const, id: "bob" } };
    const params = { id: created.json.id };
    for (const routeKey of ["DELETE /webhooks/{id}", "POST /webhooks/{id}/test"])
      expect((await call(ports, routeKey, { params, principal: bob })).statusCode).toBe(404);
    const patch = await call(ports, "PATCH /webhooks/{id}", {
      params,
      principal: bob,
      json: { enabled: false },
    });
    expect(patch.statusCode).toBe(404);
    expect((await call(ports, "GET /webhooks", { principal: bob })).json.items).toEqual([]);
  });

  it("refuses more than ten webhooks per owner", async () => {
    const { ports } = cloudPorts();
    const json = { url: "https://hooks.example.com/in", events: ["upload.file.ready"] };
    for (let i = 0; i < 10; i++)
      expect((await call(ports, "POST /webhooks", { json })).statusCode).toBe(201);
    const eleventh = await call(ports, "POST /webhooks", { json });
    expect(eleventh.statusCode).toBe(409);
    expect(eleventh.json.detail).toContain("at most 10 webhooks");
  });

  it("reports a test delivery as its id, whether it was delivered and the status: never the receiver's body", async () => {
    const { ports, answer, sent } = cloudPorts();
    const created = await call(ports, "POST /webhooks", {
      json: { url: "https://hooks.example.com/in", events: ["upload.file.ready"] },
    });
    answer(status(500, "internal details".repeat(16)));
    const tested = await call(ports, "POST /webhooks/{id}/test", {
      params: { id: created.json.id },
    });
    expect(tested.json).toEqual({ eventId: expect.any(String), delivered: false, status: 500 });
    expect(tested.body).not.toContain("internal details");
    expect(JSON.parse(sent[0]?.body ?? "{}")).toMatchObject({
      type: "webhook.test",
      data: { webhookId: created.json.id },
    });
    expect(sent[0]?.headers["x-event-id"]).toBe(tested.json.eventId);

    // Even while disabled, so that a fixed receiver can be checked before enabling it again.
    const params = { id: created.json.id };
    await call(ports, "PATCH /webhooks/{id}", { params, json: { enabled: false } });
    const again = await call(ports, "POST /webhooks/{id}/test", { params });
    expect(again.json).toEqual({ eventId: expect.any(String), delivered: true, status: 200 });
    expect(sent).toHaveLength(2);
  });

  it("reports a test delivery that got no answer with a null status, saying nothing of why", async () => {
    const { ports, answer } = cloudPorts();
    const created = await call(ports, "POST /webhooks", {
      json: { url: "https://hooks.example.com/in", events: ["upload.file.ready"] },
    });
    const params = { id: created.json.id };
    for (const attempt of [
      { kind: "network", error: "ECONNREFUSED" },
      { kind: "timeout" },
      { kind: "refused", error: "hooks.example.com resolves to a refused address: 10.0.0.5" },
    ] as const) {
      answer(attempt);
      const tested = await call(ports, "POST /webhooks/{id}/test", { params });
      expect(tested.json).toEqual({ eventId: expect.any(String), delivered: false, status: null });
    }
  });

  it("answers 401 without a caller and 500 without internals when a port fails", async () => {
    const { ports } = cloudPorts();
    expect((await call(ports, "GET /webhooks", { principal: undefined })).statusCode).toBe(401);
    ports.webhooks.list = async () => {
      throw new Error("table unreachable at 10.0.0.9");
    };
    const failed = await call(ports, "GET /webhooks");
    expect(failed.statusCode).toBe(500);
    expect(failed.body).not.toContain("10.0.0.9");
  });
});
