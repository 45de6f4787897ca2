import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  createPublisher,
  type EventBridgeSender,
  EventTooLargeError,
  EventValidationError,
  FileDeleted,
  FileReady,
  MAX_EVENT_BYTES,
  Metadata,
  type PublishContext,
  PublishError,
  putEventsEntrySize,
  S3ObjectCreated,
} from "../src/index.ts";
import { detailOf, type EntryReply, fakeEventBridge } from "./fake-eventbridge.ts";
import { Renamed, VARIANT, validData } from "./fixtures.ts";

const context: PublishContext = {
  actor: { type: "service", id: "upload" },
  correlationId: "req-1",
};
const deleted = (n: number) => ({ ...validData["upload.file.deleted"], keys: [`k-${n}`] });
const deletions = (count: number) =>
  Array.from({ length: count }, (_, n) => ({ contract: FileDeleted, data: deleted(n), context }));

function publisherFor(fake: { client: EventBridgeSender }, delays: number[] = []) {
  let id = 0;
  return createPublisher({
    client: fake.client,
    eventBusName: "platform",
    sleep: async (ms) => {
      delays.push(ms);
    },
    now: () => new Date("2025-01-01T00:00:00.000Z"),
    newId: () => `00000000-0000-4000-8000-${String(++id).padStart(12, "0")}`,
    random: () => 0.5,
  });
}

describe("publish", () => {
  it("sends one entry with source, detail-type, bus and metadata + data as the detail", async () => {
    const fake = fakeEventBridge();
    const result = await publisherFor(fake).publish(FileReady, validData["upload.file.ready"], {
      ...context,
      causationId: "00000000-0000-4000-8000-00000000abcd",
    });
    expect(result).toEqual({ eventIds: ["eb-1"] });
    const entry = fake.requests[0]?.[0];
    expect(entry).toMatchObject({
      Source: "platform.upload",
      DetailType: "upload.file.ready",
      EventBusName: "platform",
    });
    expect(entry).not.toHaveProperty("Time");
    const detail = detailOf(entry);
    expect(detail.data).toEqual(validData["upload.file.ready"]);
    expect(Metadata.parse(detail.metadata)).toEqual({
      eventId: "00000000-0000-4000-8000-000000000001",
      version: 1,
      correlationId: "req-1",
      causationId: "00000000-0000-4000-8000-00000000abcd",
      actor: { type: "service", id: "upload" },
      occurredAt: "2025-01-01T00:00:00.000Z",
    });
  });

  it("keeps an event id the producer chose, so a re-publish after a crash is recognisable", async () => {
    const fake = fakeEventBridge();
    const eventId = "6f1c2b7e-3d4a-4c5b-8e9f-0a1b2c3d4e5f";
    await publisherFor(fake).publish(FileReady, validData["upload.file.ready"], {
      ...context,
      eventId,
    });
    expect(detailOf(fake.requests[0]?.[0]).metadata.eventId).toBe(eventId);
  });

  it("refuses a chosen event id that is not a UUID", async () => {
    const fake = fakeEventBridge();
    await expect(
      publisherFor(fake).publish(FileReady, validData["upload.file.ready"], {
        ...context,
        eventId: "not-a-uuid",
      }),
    ).rejects.toThrow(EventValidationError);
    expect(fake.requests).toEqual([]);
  });

  it("publishes the latest version by default, and an older one when asked", async () => {
    const fake = fakeEventBridge();
    const publisher = publisherFor(fake);
    await publisher.publish(Renamed, { title: "new" }, context);
    await publisher.publish(Renamed, { name: "old" }, { ...context, version: 1 });
    const [latest, older] = fake.requests.map((r) => detailOf(r[0]));
    expect(latest).toMatchObject({ metadata: { version: 2 }, data: { title: "new", tags: [] } });
    expect(older).toMatchObject({
      metadata: { version: 1, causationId: null },
      data: { name: "old" },
    });
  });

  it("refuses invalid data before sending anything", async () => {
    const fake = fakeEventBridge();
    const bad = { ...validData["upload.file.ready"], fileId: "nope", variants: "none" };
    const publishing = publisherFor(fake).publish(FileReady, bad as never, context);
    await expect(publishing).rejects.toThrow(EventValidationError);
    await expect(publishing).rejects.toMatchObject({
      detailType: "upload.file.ready",
      issues: [
        { path: "detail.data.fileId", message: expect.any(String) },
        { path: "detail.data.variants", message: expect.any(String) },
      ],
    });
    await expect(publishing).rejects.toThrow(/^cannot publish upload\.file\.ready: /);
    expect(fake.requests).toEqual([]);
  });

  it("refuses an invalid actor, and an unsupported version, before sending anything", async () => {
    const fake = fakeEventBridge();
    const publisher = publisherFor(fake);
    const badActor = publisher.publish(FileReady, validData["upload.file.ready"], {
      ...context,
      actor: { type: "service", id: "" },
    });
    await expect(badActor).rejects.toMatchObject({
      issues: [{ path: "detail.metadata.actor.id" }],
    });
    const badVersion = publisher.publish(
      Renamed,
      { title: "x" },
      { ...context, version: 3 as number },
    );
    await expect(badVersion).rejects.toThrow(
      "detail.metadata.version: unsupported version 3; test.thing.renamed supports 1, 2",
    );
    expect(fake.requests).toEqual([]);
  });

  it("refuses an S3 contract at run time (and in types)", async () => {
    const fake = fakeEventBridge();
    // @ts-expect-error only platform contracts can be published
    const publishing = publisherFor(fake).publish(S3ObjectCreated, {}, context);
    await expect(publishing).rejects.toThrow("only platform contracts can be published, not aws");
    expect(fake.requests).toEqual([]);
  });

  it("refuses an entry over 256 KiB, naming its size, before sending anything", async () => {
    const fake = fakeEventBridge();
    const huge = { ...validData["upload.file.deleted"], keys: ["k".repeat(MAX_EVENT_BYTES)] };
    const publishing = publisherFor(fake).publishAll([
      { contract: FileDeleted, data: deleted(1), context },
      { contract: FileDeleted, data: huge, context },
    ]);
    await expect(publishing).rejects.toThrow(EventTooLargeError);
    await expect(publishing).rejects.toThrow(
      /^upload\.file\.deleted event is \d+ bytes, over the PutEvents entry limit of 262144 bytes$/,
    );
    expect(fake.requests).toEqual([]);
  });
});

describe("putEventsEntrySize", () => {
  it("counts UTF-8 bytes of source, detail-type, detail and resources, and 14 for a Time", () => {
    const entry = {
      Source: "src",
      DetailType: "dt",
      Detail: '{"name":"é"}',
      Resources: ["r1", "r2"],
    };
    // "é" is two bytes in UTF-8, so the detail is 13 bytes for 12 characters.
    expect(putEventsEntrySize(entry)).toBe(3 + 2 + 13 + 4);
    expect(putEventsEntrySize({ ...entry, Time: new Date() })).toBe(3 + 2 + 13 + 4 + 14);
    expect(putEventsEntrySize({ EventBusName: "not counted" })).toBe(0);
  });
});

describe("publishAll batching", () => {
  it("sends 23 events as requests of 10, 10 and 3, returning ids in input order", async () => {
    const fake = fakeEventBridge();
    const result = await publisherFor(fake).publishAll(deletions(23));
    expect(fake.requests.map((r) => r.length)).toEqual([10, 10, 3]);
    expect(result.eventIds).toEqual(Array.from({ length: 23 }, (_, n) => `eb-${n + 1}`));
    const sentKeys = fake.requests.flat().map((entry) => detailOf(entry).data.keys);
    expect(sentKeys).toEqual(Array.from({ length: 23 }, (_, n) => [`k-${n}`]));
  });

  it("splits by size so no request carries more than 256 KiB", async () => {
    const fake = fakeEventBridge();
    const big = (n: number) => ({ ...deleted(n), keys: [`${n}`.padEnd(100_000, "x")] });
    const items = [0, 1, 2, 3].map((n) => ({ contract: FileDeleted, data: big(n), context }));
    const result = await publisherFor(fake).publishAll(items);
    expect(fake.requests.map((r) => r.length)).toEqual([2, 2]);
    for (const request of fake.requests) {
      const bytes = request.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
      expect(bytes).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    }
    expect(result.eventIds).toHaveLength(4);
  });

  it("publishes an empty list without calling EventBridge", async () => {
    const fake = fakeEventBridge();
    expect(await publisherFor(fake).publishAll([])).toEqual({ eventIds: [] });
    expect(fake.requests).toEqual([]);
  });
});

describe("publishAll retries", () => {
  const throttledOnFirstCall =
    (keys: string[]) =>
    (entry: { Detail?: string }, call: number): EntryReply | undefined => {
      const key = (detailOf(entry).data.keys as string[])[0] ?? "";
      if (call === 1 && keys.includes(key)) {
        return { errorCode: "ThrottlingException", errorMessage: "Rate exceeded" };
      }
      return undefined;
    };

  it("retries only the entries that failed and returns every id in input order", async () => {
    const fake = fakeEventBridge((entry, call) => {
      const failed = throttledOnFirstCall(["k-1", "k-3"])(entry, call);
      return failed ?? { eventId: `eb-${detailOf(entry).data.keys}` };
    });
    const delays: number[] = [];
    const result = await publisherFor(fake, delays).publishAll(deletions(4));
    expect(fake.requests.map((r) => r.length)).toEqual([4, 2]);
    expect(fake.requests[1]?.map((entry) => detailOf(entry).data.keys)).toEqual([["k-1"], ["k-3"]]);
    expect(result.eventIds).toEqual(["eb-k-0", "eb-k-1", "eb-k-2", "eb-k-3"]);
    // Full jitter: random() * baseDelayMs * 2^(attempt - 1), with random() = 0.5.
    expect(delays).toEqual([25]);
  });

  it("retries a whole batch when the request itself throws", async () => {
    const fake = fakeEventBridge((_, call) => {
      if (call === 1) throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
      return { eventId: `eb-${call}` };
    });
    const result = await publisherFor(fake).publishAll(deletions(3));
    expect(fake.requests.map((r) => r.length)).toEqual([3, 3]);
    expect(result.eventIds).toEqual(["eb-2", "eb-2", "eb-2"]);
  });

  it("gives up after maxAttempts, listing each failed entry and the ids that were published", async () => {
    const fake = fakeEventBridge((entry) =>
      detailOf(entry).data.keys?.toString() === "k-1"
        ? { errorCode: "InternalFailure", errorMessage: "try later" }
        : { eventId: "eb-ok" },
    );
    const delays: number[] = [];
    const publishing = publisherFor(fake, delays).publishAll(deletions(2));
    await expect(publishing).rejects.toThrow(PublishError);
    const error = (await publishing.catch((e: unknown) => e)) as PublishError;
    expect(error.message).toBe(
      "1 event(s) not published after 4 attempts: upload.file.deleted " +
        "00000000-0000-4000-8000-000000000002: InternalFailure try later",
    );
    expect(error.failed).toEqual([
      {
        index: 1,
        detailType: "upload.file.deleted",
        eventId: "00000000-0000-4000-8000-000000000002",
        errorCode: "InternalFailure",
        errorMessage: "try later",
      },
    ]);
    expect(error.published).toEqual(["eb-ok"]);
    expect(fake.requests.map((r) => r.length)).toEqual([2, 1, 1, 1]);
    expect(delays).toEqual([25, 50, 100]);
  });

  it("treats an entry EventBridge returned no result for as failed", async () => {
    let calls = 0;
    const client: EventBridgeSender = {
      async send() {
        calls++;
        return { $metadata: {}, FailedEntryCount: 0, Entries: [] };
      },
    };
    const publisher = createPublisher({
      client,
      eventBusName: "platform",
      maxAttempts: 2,
      sleep: async () => {},
    });
    await expect(publisher.publish(FileDeleted, deleted(0), context)).rejects.toThrow(
      /MissingResult PutEvents returned no result for this entry$/,
    );
    expect(calls).toBe(2);
  });
});

describe("publisher types", () => {
  it("accepts a real EventBridgeClient as its client", () => {
    expectTypeOf<EventBridgeClient>().toExtend<EventBridgeSender>();
    const publisher = createPublisher({
      client: new EventBridgeClient({ region: "eu-west-1" }),
      eventBusName: "platform",
    });
    expect(typeof publisher.publishAll).toBe("function");
  });

  it("checks each item's data against its own contract", () => {
    const publisher = createPublisher({ client: fakeEventBridge().client, eventBusName: "b" });
    const check = () =>
      publisher.publishAll([
        { contract: FileDeleted, data: deleted(0), context },
        // @ts-expect-error FileReady data has no `keys`, and needs `original` and `variants`
        { contract: FileReady, data: deleted(1), context },
      ]);
    expectTypeOf(check).returns.resolves.toEqualTypeOf<{ eventIds: string[] }>();
    const ready = validData["upload.file.ready"];
    const badVariant = { ...VARIANT, size: "2048" };
    // @ts-expect-error a variant's size must be a number
    const wrong = () => publisher.publish(FileReady, { ...ready, variants: [badVariant] }, context);
    expect(typeof wrong).toBe("function");
  });

  it("types data by the version the context names", () => {
    const publisher = createPublisher({ client: fakeEventBridge().client, eventBusName: "b" });
    const v1 = () => publisher.publish(Renamed, { name: "old" }, { ...context, version: 1 });
    // @ts-expect-error version 1 data has `name`, not `title`
    const mixed = () => publisher.publish(Renamed, { title: "new" }, { ...context, version: 1 });
    // @ts-expect-error Renamed has no version 3
    const unknown = () => publisher.publish(Renamed, { title: "new" }, { ...context, version: 3 });
    expect([v1, mixed, unknown].every((f) => typeof f === "function")).toBe(true);
  });
});
