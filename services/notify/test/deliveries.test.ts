import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { deliveriesTable } from "../src/adapters/deliveries-table.ts";
import {
  apiClient,
  fileOf,
  INTEGRATION,
  MANAGE,
  startPlatform,
  uploadEvents,
} from "./support/platform.ts";
import { startReceiver } from "./support/receiver.ts";
import { verifyDelivery } from "./support/verify.ts";

// Deliveries on the local platform: events on the bus, the fan-out function, a real receiver.

vi.setConfig(INTEGRATION);

let cloud: TestCloud;
let events: ReturnType<typeof uploadEvents>;
const receivers: Awaited<ReturnType<typeof startReceiver>>[] = [];
const secrets: string[] = [];
const FAILURES = "NotifyFanOutFailures";

beforeAll(async () => {
  cloud = await startPlatform();
  events = uploadEvents(cloud);
});
afterAll(async () => {
  await Promise.all([cloud?.stop(), ...receivers.map((r) => r.stop())]);
});

async function receiver(...args: Parameters<typeof startReceiver>) {
  const started = await startReceiver(...args);
  receivers.push(started);
  return started;
}

async function webhookFor(owner: string, url: string) {
  const call = apiClient(cloud, await cloud.token(owner, MANAGE));
  const created = await call("POST", "/webhooks", { url, events: ["upload.file.ready"] });
  expect(created.status).toBe(201);
  secrets.push(created.body.secret);
  return { call, webhook: created.body as { id: string; secret: string } };
}

async function lettersOf(eventIds: string[]) {
  const letters = await cloud.deadLetters.list(FAILURES);
  return letters.filter((letter) => {
    const payload = letter.redrive.kind === "lambda" ? JSON.parse(letter.redrive.payload) : {};
    return eventIds.includes(payload.detail?.metadata?.eventId);
  });
}

async function redrive(queue: string) {
  const response = await fetch(`${cloud.endpoint}/_local/dead-letters/${queue}/redrive`, {
    method: "POST",
  });
  return (await response.json()) as { redriven: number; failed: unknown[] };
}

describe("webhook deliveries", () => {
  it("delivers a ready file, signed, with the variants' details, to a receiver that verifies it", async () => {
    const hook = await receiver();
    const { webhook } = await webhookFor("dora", hook.url);
    const file = fileOf("dora");
    const eventId = crypto.randomUUID();
    await events.ready(file, eventId);
    await cloud.settle();

    expect(hook.received).toHaveLength(1);
    const [delivery] = hook.received;
    expect(delivery?.headers).toMatchObject({
      "content-type": "application/json",
      "x-webhook-id": webhook.id,
      "x-event-id": eventId,
    });
    const signature = String(delivery?.headers["x-webhook-signature"]);
    expect(verifyDelivery(webhook.secret, signature, delivery?.body ?? "")).toBe(true);
    expect(JSON.parse(delivery?.body ?? "{}")).toMatchObject({
      id: eventId,
      type: "upload.file.ready",
      data: {
        fileId: file.fileId,
        ownerId: "dora",
        variants: [{ name: "256-webp", width: 256, height: 256, format: "webp" }],
      },
    });
  });

  it("does not verify with a wrong secret", async () => {
    const hook = await receiver();
    const [{ webhook: mine }, { webhook: other }] = [
      await webhookFor("ezra", hook.url),
      await webhookFor("finn", hook.url),
    ];
    await events.ready(fileOf("ezra"));
    await cloud.settle();
    const [delivery] = hook.received;
    const signature = String(delivery?.headers["x-webhook-signature"]);
    expect(verifyDelivery(mine.secret, signature, delivery?.body ?? "")).toBe(true);
    expect(verifyDelivery(other.secret, signature, delivery?.body ?? "")).toBe(false);
  });

  it("retries a receiver answering 500 twice, then delivers exactly once", async () => {
    const hook = await receiver((n) => ({ status: n <= 2 ? 500 : 200 }));
    const { call } = await webhookFor("gwen", hook.url);
    const eventId = crypto.randomUUID();
    await events.ready(fileOf("gwen"), eventId);
    await cloud.settle();

    expect(hook.received.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(new Set(hook.received.map((r) => r.headers["x-event-id"]))).toEqual(new Set([eventId]));
    expect(hook.deliveredOf(eventId)).toHaveLength(1);
    expect((await call("GET", "/webhooks")).body.items[0]).toMatchObject({
      enabled: true,
      consecutiveFailures: 0,
      lastDelivery: { eventId, outcome: "delivered", status: 200 },
    });
    expect(await lettersOf([eventId])).toEqual([]);
  });

  it("does not retry a 4xx other than 429, and keeps only an excerpt of the answer", async () => {
    const hook = await receiver(() => ({ status: 422, body: "y".repeat(5000) }));
    const { webhook } = await webhookFor("hana", hook.url);
    const eventId = crypto.randomUUID();
    await events.ready(fileOf("hana"), eventId);
    await cloud.settle();

    expect(hook.received).toHaveLength(1);
    const table = deliveriesTable(
      DynamoDBDocumentClient.from(cloud.dynamodb),
      String(cloud.names.tables.Webhooks),
    );
    const records = await table.ofEvent(eventId);
    expect(records.find((r) => r.target === `webhook:${webhook.id}`)).toMatchObject({
      status: "rejected",
      attempts: 1,
      responseStatus: 422,
      responseExcerpt: "y".repeat(256),
    });
    expect(records.find((r) => r.target === "sns")).toMatchObject({ status: "delivered" });
    expect(await lettersOf([eventId])).toEqual([]);
  });

  it("delivers an event published twice only once", async () => {
    const hook = await receiver();
    await webhookFor("iris", hook.url);
    const file = fileOf("iris");
    const eventId = crypto.randomUUID();
    await Promise.all([events.ready(file, eventId), events.ready(file, eventId)]);
    await cloud.settle();
    await events.ready(file, eventId);
    await cloud.settle();
    expect(hook.received).toHaveLength(1);
    expect(hook.deliveredOf(eventId)).toHaveLength(1);
  });

  it("disables a receiver that always fails, dead-letters what it owes, and redrives it once enabled", async () => {
    const hook = await receiver(() => ({ status: 503 }));
    const { call, webhook } = await webhookFor("jude", hook.url);
    const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await Promise.all(ids.map((id) => events.ready(fileOf("jude"), id)));
    await cloud.settle();

    expect((await call("GET", "/webhooks")).body.items[0]).toMatchObject({
      id: webhook.id,
      enabled: false,
      consecutiveFailures: 3,
      disabledReason: "3 consecutive failed deliveries",
    });
    expect(await lettersOf(ids)).toHaveLength(3);
    expect(hook.received.every((r) => r.status === 503)).toBe(true);

    // While disabled, new events are neither sent nor owed.
    const whileDisabled = crypto.randomUUID();
    await events.ready(fileOf("jude"), whileDisabled);
    await cloud.settle();
    expect(hook.received.filter((r) => r.headers["x-event-id"] === whileDisabled)).toEqual([]);
    expect(await lettersOf([whileDisabled])).toEqual([]);

    // Fixed, but still disabled: a redrive keeps the letters.
    hook.answerWith(() => ({ status: 200 }));
    expect(await redrive(FAILURES)).toMatchObject({ redriven: 0 });
    expect(await lettersOf(ids)).toHaveLength(3);

    expect((await call("PATCH", `/webhooks/${webhook.id}`, { enabled: true })).status).toBe(200);
    expect(await redrive(FAILURES)).toMatchObject({ redriven: 3, failed: [] });
    for (const id of ids) expect(hook.deliveredOf(id)).toHaveLength(1);
    expect(await lettersOf(ids)).toEqual([]);
    expect(await redrive(FAILURES)).toMatchObject({ redriven: 0, failed: [] });
    for (const id of ids) expect(hook.deliveredOf(id)).toHaveLength(1);
  });

  it("disables again a receiver still broken when its owed deliveries are redriven", async () => {
    const hook = await receiver(() => ({ status: 503 }));
    const { call, webhook } = await webhookFor("lena", hook.url);
    const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await Promise.all(ids.map((id) => events.ready(fileOf("lena"), id)));
    await cloud.settle();
    expect((await call("GET", "/webhooks")).body.items[0]).toMatchObject({ enabled: false });

    expect((await call("PATCH", `/webhooks/${webhook.id}`, { enabled: true })).status).toBe(200);
    const sentBefore = hook.received.length;
    expect(await redrive(FAILURES)).toMatchObject({ redriven: 0 });
    expect(hook.received.length).toBeGreaterThan(sentBefore);
    expect((await call("GET", "/webhooks")).body.items[0]).toMatchObject({
      enabled: false,
      consecutiveFailures: 3,
      disabledReason: "3 consecutive failed deliveries",
    });
    expect(await lettersOf(ids)).toHaveLength(3);
  });

  it("never writes a webhook's secret to a function's log", async () => {
    const [happy, refusing] = [await receiver(), await receiver(() => ({ status: 422 }))];
    const { call, webhook } = await webhookFor("kit", happy.url);
    await webhookFor("kit", refusing.url);
    expect((await call("POST", `/webhooks/${webhook.id}/test`)).body.delivered).toBe(true);
    const eventId = crypto.randomUUID();
    await events.ready(fileOf("kit"), eventId);
    await cloud.settle();

    const lines = ["NotifyFanOut", "NotifyWebhooks", "NotifyRecordOwner"].flatMap((name) =>
      cloud.functionLogs(name).map((line) => line.message),
    );
    const logged = lines.find((line) => line.includes(eventId)) ?? "";
    expect(logged).toContain('"outcome":"delivered"');
    expect(logged).toContain('"outcome":"rejected"');
    // Every secret this file created, through every path above: deliveries, failures, tests.
    expect(secrets.length).toBeGreaterThanOrEqual(2);
    for (const secret of secrets) expect(lines.filter((line) => line.includes(secret))).toEqual([]);
  });
});
