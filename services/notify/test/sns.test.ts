import { PutObjectCommand } from "@aws-sdk/client-s3";
import { SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import type { TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { POLICIES } from "../src/settings.ts";
import { objectCreated } from "./support/events.ts";
import {
  apiClient,
  fileOf,
  INTEGRATION,
  MANAGE,
  startPlatform,
  type TestFile,
  uploadEvents,
} from "./support/platform.ts";
import { startReceiver } from "./support/receiver.ts";

// The Notifications topic as its subscribers see it: HTTP subscribers of the local SNS, one of
// them with a filter policy on purpose, and the "received" notice built from S3's own event.

vi.setConfig(INTEGRATION);

let cloud: TestCloud;
let events: ReturnType<typeof uploadEvents>;
let everything: Awaited<ReturnType<typeof startReceiver>>;
let feedOnly: Awaited<ReturnType<typeof startReceiver>>;
let hooks: Awaited<ReturnType<typeof startReceiver>>;

interface Notification {
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** Subscribes an HTTP endpoint and confirms it, as most endpoints do: by GETting SubscribeURL. */
async function subscribe(url: string, attributes: Record<string, string> = {}) {
  const sns = new SNSClient(cloud.clientConfig);
  await sns.send(
    new SubscribeCommand({
      TopicArn: cloud.names.links.Notifications?.arn,
      Protocol: "http",
      Endpoint: url,
      Attributes: attributes,
    }),
  );
  sns.destroy();
  await cloud.settle();
}

async function confirmAll(receiver: typeof everything) {
  for (const request of receiver.received) {
    const message = JSON.parse(request.body) as { Type?: string; SubscribeURL?: string };
    if (message.Type === "SubscriptionConfirmation")
      expect((await fetch(message.SubscribeURL ?? "")).status).toBe(200);
  }
}

/** The notices an HTTP subscriber got, with their attributes as plain values. */
function notices(receiver: typeof everything) {
  return receiver.received
    .map((r) => JSON.parse(r.body) as Notification & { Type: string })
    .filter((n) => n.Type === "Notification")
    .map((n) => ({
      notice: JSON.parse(n.Message),
      attributes: Object.fromEntries(
        Object.entries(n.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
      ),
    }));
}

const ofOwner = (receiver: typeof everything, ownerId: string) =>
  notices(receiver).filter((n) => n.notice.data.ownerId === ownerId);

beforeAll(async () => {
  [cloud, everything, feedOnly, hooks] = await Promise.all([
    startPlatform(),
    startReceiver(),
    startReceiver(),
    startReceiver(),
  ]);
  events = uploadEvents(cloud);
  await subscribe(everything.url);
  await subscribe(feedOnly.url, { FilterPolicy: JSON.stringify({ purpose: ["feed"] }) });
  await Promise.all([confirmAll(everything), confirmAll(feedOnly)]);
});
afterAll(async () => {
  await Promise.all([cloud?.stop(), everything?.stop(), feedOnly?.stop(), hooks?.stop()]);
});

async function putObject(file: TestFile) {
  await cloud.s3.send(
    new PutObjectCommand({
      Bucket: cloud.names.bucket,
      Key: file.key,
      Body: "abc",
      ContentType: "image/jpeg",
    }),
  );
}

describe("the Notifications topic", () => {
  it("carries each notice with eventType, purpose and ownerId attributes", async () => {
    const [profile, feed] = [fileOf("kim"), fileOf("kim", "feed")];
    await Promise.all([events.ready(profile), events.rejected(feed), events.deleted(profile)]);
    await cloud.settle();
    const got = ofOwner(everything, "kim");
    expect(
      got
        .map((n) => n.attributes)
        .sort((a, b) => String(a.eventType).localeCompare(String(b.eventType))),
    ).toEqual([
      { eventType: "upload.file.deleted", purpose: "profile", ownerId: "kim" },
      { eventType: "upload.file.ready", purpose: "profile", ownerId: "kim" },
      { eventType: "upload.file.rejected", purpose: "feed", ownerId: "kim" },
    ]);
    const rejected = got.find((n) => n.notice.type === "upload.file.rejected")?.notice;
    expect(rejected).toMatchObject({
      data: { fileId: feed.fileId, reason: "not_an_image", message: "the bytes are not an image" },
    });
    expect(rejected.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("delivers only matching messages to a subscriber filtering on purpose", async () => {
    const [profile, feed] = [fileOf("lou"), fileOf("lou", "feed")];
    await Promise.all([events.ready(profile), events.ready(feed), events.deleted(profile)]);
    await cloud.settle();
    expect(ofOwner(everything, "lou")).toHaveLength(3);
    expect(ofOwner(feedOnly, "lou").map((n) => [n.notice.type, n.notice.data.fileId])).toEqual([
      ["upload.file.ready", feed.fileId],
    ]);
    expect(notices(feedOnly).every((n) => n.attributes.purpose === "feed")).toBe(true);
  });

  it("announces bytes received under tmp/, with the owner the request named", async () => {
    const call = apiClient(cloud, await cloud.token("mae", MANAGE));
    await call("POST", "/webhooks", { url: hooks.url, events: ["upload.file.received"] });
    const file = fileOf("mae");
    await events.requested(file);
    await cloud.settle();
    await putObject(file);
    await cloud.settle();

    const [received] = ofOwner(everything, "mae");
    expect(received?.attributes).toEqual({
      eventType: "upload.file.received",
      purpose: "profile",
      ownerId: "mae",
    });
    expect(received?.notice.data).toMatchObject({ fileId: file.fileId, key: file.key, size: 3 });
    const delivered = hooks.received.map((r) => JSON.parse(r.body));
    expect(delivered).toEqual([received?.notice]);
  });

  it("announces one object change once, though S3 hands it over twice under different ids", async () => {
    const hook = await startReceiver();
    const call = apiClient(cloud, await cloud.token("oli", MANAGE));
    await call("POST", "/webhooks", { url: hook.url, events: ["upload.file.received"] });
    const file = fileOf("oli");
    await events.requested(file);
    await cloud.settle();
    const first = objectCreated(file.key, {
      bucket: cloud.names.bucket,
      time: new Date().toISOString(),
    });
    const again = { ...structuredClone(first), id: crypto.randomUUID() };
    for (const event of [first, again]) {
      const answer = await cloud.lambda.invoke(
        cloud.names.functionName("NotifyFanOut"),
        JSON.stringify(event),
      );
      expect(answer.ok).toBe(true);
    }
    await cloud.settle();

    const announced = notices(everything).filter((n) => n.notice.data.fileId === file.fileId);
    expect(announced).toHaveLength(1);
    const id = announced[0]?.notice.id;
    expect([id === first.id, id === again.id]).toEqual([false, false]);
    expect(hook.received.map((r) => [r.headers["x-event-id"], JSON.parse(r.body).id])).toEqual([
      [id, id],
    ]);
    await hook.stop();
  });

  it("retries young bytes whose request is unknown, and announces old ones without an owner, to no webhook", async () => {
    const before = hooks.received.length;
    const fanOut = (event: unknown) =>
      cloud.lambda.invoke(cloud.names.functionName("NotifyFanOut"), JSON.stringify(event));
    const [young, old] = [fileOf("mae"), fileOf("mae")];
    const at = (file: TestFile, time: Date) =>
      objectCreated(file.key, { bucket: cloud.names.bucket, time: time.toISOString() });

    const failed = await fanOut(at(young, new Date()));
    expect(failed.ok ? undefined : failed.error).toMatchObject({
      errorType: "OwnerNotYetKnown",
      errorMessage: expect.stringContaining(`the owner of file ${young.fileId} is not known yet`),
    });
    expect((await fanOut(at(old, new Date(Date.now() - 600_000)))).ok).toBe(true);
    await cloud.settle();

    const announced = (file: TestFile) =>
      notices(everything).filter((n) => n.notice.data.fileId === file.fileId);
    expect(announced(young)).toEqual([]);
    const [received] = announced(old);
    expect(received?.attributes).toEqual({ eventType: "upload.file.received", purpose: "profile" });
    expect(received?.notice.data).not.toHaveProperty("ownerId");
    expect(hooks.received.length).toBe(before);
  });

  it("publishes an event once, though a failing webhook makes the fan-out run three times", async () => {
    const failing = await startReceiver(() => ({ status: 500 }));
    const call = apiClient(cloud, await cloud.token("ned", MANAGE));
    await call("POST", "/webhooks", { url: failing.url, events: ["upload.file.ready"] });
    const eventId = crypto.randomUUID();
    await events.ready(fileOf("ned"), eventId);
    await cloud.settle();
    // Every attempt of each run: the first and Lambda's two retries.
    expect(failing.received).toHaveLength(3 * POLICIES.local.attempts);
    const letters = (await cloud.deadLetters.list("NotifyFanOutFailures")).filter(
      (l) => l.redrive.kind === "lambda" && l.redrive.payload.includes(eventId),
    );
    expect(letters.map((l) => [l.error.code, l.attempts])).toEqual([["DeliveriesFailed", 3]]);
    expect(notices(everything).filter((n) => n.notice.id === eventId)).toHaveLength(1);
    await failing.stop();
  });
});
