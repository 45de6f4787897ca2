import { EventValidationError } from "@platform/events";
import { describe, expect, it } from "vitest";
import { DeliveriesFailed, fanOut, OwnerNotYetKnown } from "../../src/fan-out.ts";
import { recordOwner } from "../../src/owners.ts";
import {
  fileSubject,
  OWNER,
  objectCreated,
  platformEvent,
  readyEvent,
  requestedEvent,
} from "../support/events.ts";
import { aWebhook, fakePorts, status } from "../support/fakes.ts";

const START = Date.parse("2026-01-01T00:00:00.000Z");
const invocation = (requestId = "req-a") => ({ requestId, deadline: START + 180_000 });

function withWebhook(overrides: Parameters<typeof aWebhook>[0] = {}) {
  const fake = fakePorts();
  const webhook = aWebhook(overrides);
  fake.webhooks.set(webhook.id, webhook);
  return { ...fake, webhook };
}

describe("fan-out of one event", () => {
  it("publishes the notice to SNS with its attributes and delivers it, signed, to the webhook", async () => {
    const { ports, published, sent, webhook } = withWebhook();
    const event = readyEvent();
    const result = await fanOut(ports, event, invocation());
    const eventId = event.detail.metadata.eventId;
    expect(result).toEqual({
      eventId,
      type: "upload.file.ready",
      sns: "published",
      webhooks: [{ webhookId: webhook.id, outcome: "delivered", attempts: 1 }],
    });
    expect(published).toHaveLength(1);
    expect(published[0]?.attributes).toEqual({
      eventType: "upload.file.ready",
      purpose: "profile",
      ownerId: OWNER,
    });
    const notice = JSON.parse(published[0]?.message ?? "{}");
    expect(notice).toMatchObject({ id: eventId, type: "upload.file.ready" });
    expect(notice.data.variants[0]).toMatchObject({ name: "64-webp", width: 64 });
    expect(sent[0]?.body).toBe(published[0]?.message);
    expect(sent[0]?.headers).toMatchObject({ "x-webhook-id": webhook.id, "x-event-id": eventId });
  });

  it("delivers only to the owner's enabled webhooks subscribed to the notice", async () => {
    const { ports, sent, webhooks } = withWebhook({ events: ["upload.file.deleted"] });
    const other = aWebhook({ ownerId: "someone-else" });
    const off = aWebhook({ enabled: false });
    webhooks.set(other.id, other).set(off.id, off);
    const result = await fanOut(ports, readyEvent(), invocation());
    expect(result).toMatchObject({ webhooks: [] });
    expect(sent).toEqual([]);
  });

  it("fails the invocation while a delivery is owed, and its retry neither republishes nor resends what is done", async () => {
    const { ports, published, sent, webhooks, answerFor, webhook } = withWebhook();
    const healthy = aWebhook({ url: "https://healthy.example.com/in" });
    webhooks.set(healthy.id, healthy);
    answerFor(webhook.url, status(500), status(500), status(500));
    const event = readyEvent();
    const first = fanOut(ports, event, invocation());
    await expect(first).rejects.toBeInstanceOf(DeliveriesFailed);
    await expect(first).rejects.toThrow(`webhook ${webhook.id} (failed: HTTP 500)`);
    expect(published).toHaveLength(1);

    // Lambda's retry: same request id.
    const retry = await fanOut(ports, event, invocation());
    expect(retry).toMatchObject({ sns: "already-done" });
    expect(published).toHaveLength(1);
    expect(sent.filter((s) => s.headers["x-webhook-id"] === healthy.id)).toHaveLength(1);
    expect(sent.filter((s) => s.headers["x-webhook-id"] === webhook.id)).toHaveLength(4);
  });

  it("treats a duplicate event as done once delivered, even from another invocation", async () => {
    const { ports, published, sent } = withWebhook();
    const event = readyEvent();
    await fanOut(ports, event, invocation("req-a"));
    const again = await fanOut(ports, structuredClone(event), invocation("req-b"));
    expect(again).toMatchObject({ sns: "already-done", webhooks: [{ outcome: "already-done" }] });
    expect(published).toHaveLength(1);
    expect(sent).toHaveLength(1);
  });

  it("waits for a delivery another invocation holds, and takes it over when its lease lapses", async () => {
    const { ports, sent, webhook } = withWebhook();
    const event = readyEvent();
    const eventId = event.detail.metadata.eventId;
    const target = `webhook:${webhook.id}` as const;
    await ports.deliveries.claim(eventId, target, "req-crashed", START + 60_000, START);
    const result = await fanOut(ports, event, invocation("req-b"));
    expect(result).toMatchObject({ webhooks: [{ outcome: "delivered" }] });
    expect(sent).toHaveLength(1);
    expect(ports.now().getTime()).toBeGreaterThan(START + 60_000);
  });

  it("finds a delivery done once the invocation holding it finishes", async () => {
    const fake = withWebhook();
    const event = readyEvent();
    const eventId = event.detail.metadata.eventId;
    const target = `webhook:${fake.webhook.id}` as const;
    await fake.ports.deliveries.claim(eventId, target, "req-a", START + 60_000, START);
    const sleep = fake.ports.sleep;
    fake.ports.sleep = async (ms) => {
      await sleep(ms);
      await fake.ports.deliveries.finish(eventId, target, "req-a", {
        status: "delivered",
        attempts: 1,
        at: fake.ports.now().toISOString(),
      });
    };
    const result = await fanOut(fake.ports, event, invocation("req-b"));
    expect(result).toMatchObject({ webhooks: [{ outcome: "already-done" }] });
    expect(fake.sent).toEqual([]);
  });

  it("keeps a delivery owed when another invocation holds it for longer than this one can wait", async () => {
    const { ports, sent, webhook } = withWebhook();
    const event = readyEvent();
    const eventId = event.detail.metadata.eventId;
    await ports.deliveries.claim(eventId, `webhook:${webhook.id}`, "req-a", START + 600_000, START);
    const waiting = fanOut(ports, event, invocation("req-b"));
    await expect(waiting).rejects.toThrow(`webhook ${webhook.id} (in-progress)`);
    expect(sent).toEqual([]);
  });

  it("starts and claims nothing when the invocation has no time left for one attempt", async () => {
    const { ports, published, sent, records, webhook } = withWebhook();
    const event = readyEvent();
    const { attemptTimeoutMs, excerptWaitMs } = ports.policy;
    const short = { requestId: "req-a", deadline: START + attemptTimeoutMs + excerptWaitMs };
    await expect(fanOut(ports, event, short)).rejects.toThrow(
      `still owes sns (no-time), webhook ${webhook.id} (no-time)`,
    );
    expect([published, sent, [...records.values()]]).toEqual([[], [], []]);

    // Lambda's retry, in time.
    expect(await fanOut(ports, event, invocation())).toMatchObject({
      sns: "published",
      webhooks: [{ outcome: "delivered", attempts: 1 }],
    });
    expect([published.length, sent.length]).toEqual([1, 1]);
  });

  it("does not retry a 4xx: the delivery is final, counted, and nothing is owed", async () => {
    const { ports, sent, webhook, answer, record } = withWebhook();
    answer(status(404, "no such hook"));
    const event = readyEvent();
    const result = await fanOut(ports, event, invocation());
    expect(result).toMatchObject({ webhooks: [{ outcome: "rejected", attempts: 1 }] });
    expect(sent).toHaveLength(1);
    expect(record(event.detail.metadata.eventId, `webhook:${webhook.id}`)).toMatchObject({
      status: "rejected",
      responseStatus: 404,
      responseExcerpt: "no such hook",
    });
    expect(await ports.webhooks.get(OWNER, webhook.id)).toMatchObject({ consecutiveFailures: 1 });
  });

  it("disables a webhook after the policy's consecutive failures, counting each delivery once", async () => {
    const { ports, webhook, answer } = withWebhook();
    const failing = () => answer(...Array.from({ length: 3 }, () => status(503)));
    const events = [readyEvent(), readyEvent(), readyEvent()];
    for (const event of events.slice(0, 2)) {
      failing();
      await expect(fanOut(ports, event, invocation())).rejects.toThrow(DeliveriesFailed);
      failing();
      await expect(fanOut(ports, event, invocation())).rejects.toThrow(DeliveriesFailed);
    }
    expect(await ports.webhooks.get(OWNER, webhook.id)).toMatchObject({
      enabled: true,
      consecutiveFailures: 2,
    });
    failing();
    await expect(fanOut(ports, events[2], invocation())).rejects.toThrow(DeliveriesFailed);
    expect(await ports.webhooks.get(OWNER, webhook.id)).toMatchObject({
      enabled: false,
      consecutiveFailures: 3,
      disabledReason: "3 consecutive failed deliveries",
    });
  });

  it("counts every delivery that ends without a 2xx: failed after its retries, a final 4xx or 3xx, a refused address", async () => {
    const { ports, webhook, answer } = withWebhook();
    const failures = async () => (await ports.webhooks.get(OWNER, webhook.id))?.consecutiveFailures;
    answer(status(503), status(503), status(503), status(301), status(200));
    await expect(fanOut(ports, readyEvent(), invocation())).rejects.toThrow(DeliveriesFailed);
    await fanOut(ports, readyEvent(), invocation());
    expect(await failures()).toBe(2);
    await fanOut(ports, readyEvent(), invocation());
    expect(await failures()).toBe(0);

    answer(status(410), { kind: "refused", error: "hooks.example.com resolves to 10.0.0.1" });
    await fanOut(ports, readyEvent(), invocation());
    await fanOut(ports, readyEvent(), invocation());
    expect(await ports.webhooks.get(OWNER, webhook.id)).toMatchObject({
      enabled: true,
      consecutiveFailures: 2,
      lastDelivery: { outcome: "rejected" },
    });
    answer(status(400));
    await fanOut(ports, readyEvent(), invocation());
    expect(await ports.webhooks.get(OWNER, webhook.id)).toMatchObject({
      enabled: false,
      disabledReason: "3 consecutive failed deliveries",
    });
  });

  it("does not count a run that made no attempt", async () => {
    const { ports, webhook, record } = withWebhook();
    const event = readyEvent();
    const { attemptTimeoutMs, excerptWaitMs } = ports.policy;
    const short = { requestId: "req-a", deadline: START + attemptTimeoutMs + excerptWaitMs };
    await expect(fanOut(ports, event, short)).rejects.toThrow(DeliveriesFailed);
    expect(record(event.detail.metadata.eventId, `webhook:${webhook.id}`)).toBeUndefined();
    expect(await ports.webhooks.get(OWNER, webhook.id)).toMatchObject({ consecutiveFailures: 0 });
  });

  it("counts owed failures again once the webhook is enabled: a still-broken receiver ends disabled again", async () => {
    const { ports, webhook, answer } = withWebhook();
    const failing = () => answer(...Array.from({ length: 3 }, () => status(503)));
    const owed = [readyEvent(), readyEvent(), readyEvent()];
    for (const event of owed) {
      failing();
      await expect(fanOut(ports, event, invocation())).rejects.toThrow(DeliveriesFailed);
    }
    expect(await ports.webhooks.get(OWNER, webhook.id)).toMatchObject({ enabled: false });

    await ports.webhooks.setEnabled(OWNER, webhook.id, true, "2026-01-01T00:05:00.000Z");
    for (const [n, event] of owed.entries()) {
      failing();
      const redrive = fanOut(ports, event, invocation(`redrive-${n}`));
      await expect(redrive).rejects.toThrow(`webhook ${webhook.id} (failed: HTTP 503)`);
    }
    expect(await ports.webhooks.get(OWNER, webhook.id)).toMatchObject({
      enabled: false,
      consecutiveFailures: 3,
      disabledReason: "3 consecutive failed deliveries",
    });
  });

  it("keeps deliveries owed to a disabled webhook failing without sending, and skips new events for it", async () => {
    const { ports, sent, webhook, answer } = withWebhook();
    answer(status(500), status(500), status(500));
    const owed = readyEvent();
    await expect(fanOut(ports, owed, invocation())).rejects.toThrow(DeliveriesFailed);
    await ports.webhooks.setEnabled(OWNER, webhook.id, false, "2026-01-01T00:01:00.000Z");
    const sentBefore = sent.length;

    await expect(fanOut(ports, owed, invocation("redrive-1"))).rejects.toThrow("owed-disabled");
    expect(await fanOut(ports, readyEvent(), invocation())).toMatchObject({ webhooks: [] });
    expect(sent).toHaveLength(sentBefore);

    await ports.webhooks.setEnabled(OWNER, webhook.id, true, "2026-01-01T00:02:00.000Z");
    expect(await fanOut(ports, owed, invocation("redrive-2"))).toMatchObject({
      webhooks: [{ outcome: "delivered" }],
    });
  });

  it("fails when SNS does, and publishes on the retry", async () => {
    const { ports, published, failPublishing } = withWebhook();
    const event = readyEvent();
    failPublishing(true);
    await expect(fanOut(ports, event, invocation())).rejects.toThrow("still owes sns");
    failPublishing(false);
    expect(await fanOut(ports, event, invocation())).toMatchObject({ sns: "published" });
    expect(published).toHaveLength(1);
  });

  it("refuses an event that does not match its contract", async () => {
    const { ports, published } = fakePorts();
    const bad = platformEvent("upload.file.rejected", { ...fileSubject(), reason: "" });
    await expect(fanOut(ports, bad, invocation())).rejects.toBeInstanceOf(EventValidationError);
    expect(published).toEqual([]);
  });
});

describe("the received notice", () => {
  it("names the owner recorded from upload.file.requested", async () => {
    const { ports, published, sent } = withWebhook();
    const subject = fileSubject();
    await recordOwner(ports, requestedEvent(subject));
    const key = `tmp/profile/${OWNER}/${subject.fileId}_1767225600000.jpg`;
    const result = await fanOut(ports, objectCreated(key), invocation());
    expect(result).toMatchObject({
      type: "upload.file.received",
      webhooks: [{ outcome: "delivered" }],
    });
    expect(published[0]?.attributes).toEqual({
      eventType: "upload.file.received",
      purpose: "profile",
      ownerId: OWNER,
    });
    expect(JSON.parse(sent[0]?.body ?? "{}").data).toMatchObject({
      fileId: subject.fileId,
      ownerId: OWNER,
      entityId: OWNER,
      key,
    });
  });

  it("is one notice, published and delivered once, when S3 hands one object change over twice", async () => {
    const { ports, published, sent } = withWebhook();
    const subject = fileSubject();
    await recordOwner(ports, requestedEvent(subject));
    const first = objectCreated(`tmp/profile/${OWNER}/${subject.fileId}_1767225600000.jpg`);
    const again = { ...structuredClone(first), id: crypto.randomUUID() };
    const a = await fanOut(ports, first, invocation("req-a"));
    const b = await fanOut(ports, again, invocation("req-b"));
    expect(a).toMatchObject({ sns: "published", webhooks: [{ outcome: "delivered" }] });
    expect(b).toMatchObject({ sns: "already-done", webhooks: [{ outcome: "already-done" }] });
    const ids = [a, b].map((result) => ("eventId" in result ? result.eventId : ""));
    expect(ids[1]).toBe(ids[0]);
    expect(ids[0]).not.toBe(first.id);
    expect(published).toHaveLength(1);
    expect(JSON.parse(published[0]?.message ?? "{}").id).toBe(ids[0]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers["x-event-id"]).toBe(ids[0]);
  });

  it("waits for an owner that is recorded a moment later", async () => {
    const fake = withWebhook();
    const subject = fileSubject();
    let polls = 0;
    const find = fake.ports.owners.find;
    fake.ports.owners.find = async (fileId) => {
      if (++polls === 3) await recordOwner(fake.ports, requestedEvent(subject));
      return find(fileId);
    };
    const key = `tmp/profile/${OWNER}/${subject.fileId}_1767225600000.jpg`;
    await fanOut(fake.ports, objectCreated(key), invocation());
    expect(polls).toBe(3);
    expect(fake.published[0]?.attributes.ownerId).toBe(OWNER);
    expect(fake.sent).toHaveLength(1);
  });

  it("fails before publishing anything while the owner is unknown and the bytes are young, so that Lambda retries", async () => {
    const { ports, published, sent, records } = withWebhook();
    const fileId = crypto.randomUUID();
    const key = `tmp/profile/${OWNER}/${fileId}_1767225600000.jpg`;
    const young = objectCreated(key, { time: new Date(START).toISOString() });
    const run = fanOut(ports, young, invocation());
    await expect(run).rejects.toBeInstanceOf(OwnerNotYetKnown);
    await expect(run).rejects.toThrow(`the owner of file ${fileId} is not known yet`);
    expect([published, sent, [...records.values()]]).toEqual([[], [], []]);
  });

  it("is published without an owner, and to no webhook, once the bytes are older than the grace", async () => {
    const { ports, published, sent } = withWebhook();
    const key = `tmp/profile/${OWNER}/${crypto.randomUUID()}_1767225600000.jpg`;
    const old = new Date(START - ports.policy.ownerGraceMs).toISOString();
    const result = await fanOut(ports, objectCreated(key, { time: old }), invocation());
    expect(result).toMatchObject({ sns: "published", webhooks: [] });
    expect(published[0]?.attributes).toEqual({
      eventType: "upload.file.received",
      purpose: "profile",
    });
    expect(JSON.parse(published[0]?.message ?? "{}").data).not.toHaveProperty("ownerId");
    expect(ports.now().getTime() - START).toBeGreaterThanOrEqual(ports.policy.ownerWaitMs);
    expect(sent).toEqual([]);
  });

  it("is not sent for an object whose key the upload API did not choose", async () => {
    const { ports, published } = fakePorts();
    expect(await fanOut(ports, objectCreated("tmp/elsewhere/photo.jpg"), invocation())).toEqual({
      skipped: "an object the upload API did not name",
    });
    expect(published).toEqual([]);
  });
});
