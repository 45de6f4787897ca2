import { ApiKeys, type TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiClient, INTEGRATION, MANAGE, startPlatform } from "./support/platform.ts";
import { startReceiver } from "./support/receiver.ts";
import { verifyDelivery } from "./support/verify.ts";

// The webhooks API through the local HTTP API (JWT door), with a real receiver for test events.

vi.setConfig(INTEGRATION);

let cloud: TestCloud;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  [cloud, receiver] = await Promise.all([startPlatform(), startReceiver()]);
});
afterAll(async () => {
  await Promise.all([cloud?.stop(), receiver?.stop()]);
});

const as = async (owner: string) => apiClient(cloud, await cloud.token(owner, MANAGE));
const events = ["upload.file.ready", "upload.file.rejected"];

describe("the webhooks API", () => {
  it("creates a webhook with its secret, shown in that answer only", async () => {
    const call = await as("ann");
    const created = await call("POST", "/webhooks", { url: receiver.url, events });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: receiver.url,
      events,
      enabled: true,
      consecutiveFailures: 0,
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const listed = await call("GET", "/webhooks");
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((w: { id: string }) => w.id)).toContain(created.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    expect(JSON.stringify(listed.body)).not.toContain('"secret"');
  });

  it("sends a signed test event that verifies with the secret", async () => {
    const call = await as("ben");
    const { body: webhook } = await call("POST", "/webhooks", { url: receiver.url, events });
    const tested = await call("POST", `/webhooks/${webhook.id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body).toEqual({ eventId: expect.any(String), delivered: true, status: 200 });
    const got = receiver.received.find((r) => r.headers["x-event-id"] === tested.body.eventId);
    expect(got?.headers["x-webhook-id"]).toBe(webhook.id);
    expect(JSON.parse(got?.body ?? "{}")).toMatchObject({
      id: tested.body.eventId,
      type: "webhook.test",
      data: { webhookId: webhook.id },
    });
    const header = String(got?.headers["x-webhook-signature"]);
    expect(verifyDelivery(webhook.secret, header, got?.body ?? "")).toBe(true);
    expect(verifyDelivery(`${webhook.secret}x`, header, got?.body ?? "")).toBe(false);
  });

  it("deletes a webhook, which then answers 404", async () => {
    const call = await as("cai");
    const { body: webhook } = await call("POST", "/webhooks", { url: receiver.url, events });
    expect((await call("DELETE", `/webhooks/${webhook.id}`)).status).toBe(204);
    expect((await call("GET", "/webhooks")).body.items).toEqual([]);
    expect((await call("DELETE", `/webhooks/${webhook.id}`)).status).toBe(404);
    expect((await call("POST", `/webhooks/${webhook.id}/test`)).status).toBe(404);
  });

  it("disables and enables a webhook on its owner's request", async () => {
    const call = await as("dee");
    const { body: webhook } = await call("POST", "/webhooks", { url: receiver.url, events });
    const off = await call("PATCH", `/webhooks/${webhook.id}`, { enabled: false });
    expect(off.body).toMatchObject({ enabled: false, disabledReason: "disabled by its owner" });
    const on = await call("PATCH", `/webhooks/${webhook.id}`, { enabled: true });
    expect(on.body).toMatchObject({ enabled: true, consecutiveFailures: 0 });
    expect(on.body).not.toHaveProperty("disabledAt");
  });

  it("keeps owners apart: another owner's webhook is 404 and never listed", async () => {
    const [eve, fay] = await Promise.all([as("eve"), as("fay")]);
    const { body: webhook } = await eve("POST", "/webhooks", { url: receiver.url, events });
    expect((await fay("GET", "/webhooks")).body.items).toEqual([]);
    for (const [method, path, body] of [
      ["DELETE", `/webhooks/${webhook.id}`],
      ["PATCH", `/webhooks/${webhook.id}`, { enabled: false }],
      ["POST", `/webhooks/${webhook.id}/test`],
    ] as const) {
      const answer = await fay(method, path, body);
      expect([path, answer.status, answer.body.type]).toEqual([
        path,
        404,
        "https://file-platform.dev/problems/not-found",
      ]);
    }
    expect((await eve("GET", "/webhooks")).body.items[0]).toMatchObject({ enabled: true });
  });

  it("refuses bad fields and unknown event names as problem+json", async () => {
    const call = await as("gus");
    const response = await fetch(`${cloud.apiUrl}/webhooks`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await cloud.token("gus", MANAGE)}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ url: receiver.url, events: ["upload.file.exploded"] }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await response.json()) as { errors: unknown[] };
    expect(problem.errors).toEqual([
      { in: "body", name: "events.0", detail: expect.stringContaining("upload.file.ready") },
    ]);
    const missing = await call("POST", "/webhooks", { events });
    expect(missing.body.errors).toEqual([
      { in: "body", name: "url", detail: expect.stringContaining("expected string") },
    ]);
    const privateUrl = await call("POST", "/webhooks", { url: "http://10.1.2.3/in", events });
    expect(privateUrl.body.errors[0]).toEqual({
      in: "body",
      name: "url",
      detail: "10.1.2.3 resolves to a refused address: 10.1.2.3 is private",
    });
    expect((await call("GET", "/webhooks")).body.items).toEqual([]);
  });

  it("serves server clients on the API-key door, as owners of their own", async () => {
    const { key } = await new ApiKeys(cloud.credentialsDir).create({
      name: "erp",
      owner: "erp",
      plan: { rateLimit: 100, burstLimit: 100, quotaPerDay: 1000 },
    });
    const server = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${cloud.serverApiUrl}${path}`, {
        method,
        headers: { "x-api-key": key, "content-type": "application/json" },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: await response.json() };
    };
    const created = await server("POST", "/webhooks", { url: receiver.url, events });
    expect(created.status).toBe(201);
    const { id } = created.body as { id: string };
    const listed = await server("GET", "/webhooks");
    expect((listed.body as { items: { id: string }[] }).items.map((w) => w.id)).toEqual([id]);
    const tested = await server("POST", `/webhooks/${id}/test`);
    expect(tested.body).toMatchObject({ delivered: true });
    expect((await (await as("erp"))("GET", "/webhooks")).body.items).toEqual([]);
  });

  it("asks for the webhooks:manage scope, and publishes its OpenAPI document", async () => {
    const reader = apiClient(cloud, await cloud.token("hal", ["files:read"]));
    expect((await reader("GET", "/webhooks")).status).toBe(403);
    const document = await fetch(`${cloud.apiUrl}/webhooks/openapi.json`);
    expect(document.status).toBe(200);
    expect(Object.keys(((await document.json()) as { paths: object }).paths)).toContain(
      "/webhooks/{id}/test",
    );
  });
});
