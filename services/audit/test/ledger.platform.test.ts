import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import {
  type Actor,
  AuditHistory,
  createPublisher,
  FileReady,
  FileRequested,
  FileUploaded,
  ImagingProgressUpdated,
  InvocationCompleted,
} from "@platform/events";
import type { TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidCursorError } from "../src/cursor.ts";
import { history } from "../src/history.ts";
import { hourOf } from "../src/keys.ts";
import type { Ports } from "../src/ports.ts";
import { platformPorts, publisherFor, replayToAudit, startPlatform } from "./support/platform.ts";

let cloud: TestCloud;
let ports: Ports;

beforeAll(async () => {
  cloud = await startPlatform();
  ports = platformPorts(cloud);
}, 120_000);
afterAll(async () => {
  await cloud?.stop();
});

/** Every entry of a file's timeline, read through audit.history's logic a page at a time. */
async function timeline(fileId: string, limit = 100) {
  const items = [];
  let cursor: string | undefined;
  do {
    const page = await history(ports, AuditHistory.input.parse({ fileId, limit, cursor }));
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

const service = (id: string): Actor => ({ type: "service", id });

describe("the ledger on the local platform", () => {
  it("records every event once though each is delivered twice, the upload's arrival by its requester", async () => {
    const from = new Date(Date.now() - 2_000);
    const fileId = crypto.randomUUID();
    const user: Actor = { type: "user", id: `user-${fileId}` };
    const subject = { fileId, ownerId: user.id, purpose: "profile", entityId: user.id };
    const bucket = cloud.names.bucket;
    const key = `tmp/profile/${user.id}/${fileId}_${Date.now()}.jpg`;
    const correlationId = `req-${fileId}`;
    const id = () => crypto.randomUUID();
    const ids = { requested: id(), uploaded: id(), progress: id(), ready: id(), call: id() };
    const publisher = publisherFor(cloud);
    // Published twice with the same event id, as a producer re-publishing after a crash does.
    const twice = async (items: Parameters<typeof publisher.publishAll>[0]) => {
      await publisher.publishAll(items);
      await publisher.publishAll(items);
      await cloud.settle();
    };

    await twice([
      {
        contract: FileRequested,
        data: {
          ...subject,
          bucket,
          key,
          filename: "me.jpg",
          contentType: "image/jpeg",
          size: 4,
          method: "PUT",
          expiresAt: new Date(Date.now() + 900_000).toISOString(),
        },
        context: { actor: user, correlationId, eventId: ids.requested },
      },
    ]);
    await cloud.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "jpeg" }));
    await cloud.settle();
    const chain = { correlationId, causationId: ids.requested };
    await twice([
      {
        contract: FileUploaded,
        data: { ...subject, bucket, key, size: 4, etag: "e", contentType: "image/jpeg" },
        context: { ...chain, actor: service("upload"), eventId: ids.uploaded },
      },
      {
        contract: ImagingProgressUpdated,
        data: { fileId, bucket, sourceKey: key, done: 1, total: 1 },
        context: { ...chain, actor: service("imaging"), eventId: ids.progress },
      },
      {
        contract: FileReady,
        data: { ...subject, original: { key, size: 4, contentType: "image/jpeg" }, variants: [] },
        context: { ...chain, actor: service("upload"), eventId: ids.ready },
      },
      {
        contract: InvocationCompleted,
        data: {
          caller: "upload",
          operation: "audit.history",
          target: "AuditHistory",
          mode: "sync",
          outcome: "ok",
          durationMs: 7,
          requestBytes: 60,
          responseBytes: 900,
        },
        context: { correlationId, actor: service("upload"), eventId: ids.call },
      },
    ]);
    await cloud.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    await cloud.settle();
    // And every event once more, S3's included, exactly as EventBridge replays its archive.
    await replayToAudit(cloud, from);

    // Every copy reached the ledger's writer: one was recorded, the others refused as duplicates.
    const audited = cloud
      .functionLogs(cloud.names.functionName("AuditRecord"))
      .filter((line) => line.message.startsWith("{"))
      .map((line) => JSON.parse(line.message) as { eventId?: string; outcome?: string });
    for (const eventId of Object.values(ids)) {
      const outcomes = audited.filter((l) => l.eventId === eventId).map((l) => l.outcome);
      expect(
        outcomes.filter((o) => o === "recorded"),
        eventId,
      ).toHaveLength(1);
      // The re-publish and the replay at least.
      expect(outcomes.filter((o) => o === "duplicate").length, eventId).toBeGreaterThanOrEqual(2);
    }

    const items = await timeline(fileId);
    expect(items.map((i) => i.action).sort()).toEqual([
      "object.created",
      "object.deleted",
      "progress.updated",
      "ready",
      "requested",
      "uploaded",
    ]);
    expect(new Set(items.map((i) => i.eventId)).size).toBe(6);
    const platform = items.filter(
      (i) => i.type !== "Object Created" && i.type !== "Object Deleted",
    );
    // The request came first; the other three were published in one batch, often within one
    // millisecond, and the ledger orders equal times by event id.
    expect(platform[0]?.eventId).toBe(ids.requested);
    expect(platform.map((i) => i.eventId).sort()).toEqual(
      [ids.requested, ids.uploaded, ids.progress, ids.ready].sort(),
    );
    expect(platform[0]?.actor).toEqual(user);
    // The upload's arrival is its requester's; removing tmp/ afterwards is the platform's doing.
    expect(items.find((i) => i.action === "object.created")?.actor).toEqual(user);
    expect(items.find((i) => i.action === "object.deleted")?.actor).toEqual({
      type: "system",
      id: "s3",
    });
    const created = items.findIndex((i) => i.action === "object.created");
    expect(created).toBeGreaterThan(items.findIndex((i) => i.action === "requested"));

    const calls = await ports.ledger.calls({ operation: "audit.history" });
    expect(calls.filter((c) => c.eventId === ids.call)).toEqual([
      expect.objectContaining({ caller: "upload", outcome: "ok", durationMs: 7, action: "call" }),
    ]);
    const byUpload = await ports.ledger.calls({ caller: "upload" });
    expect(byUpload.filter((c) => c.eventId === ids.call)).toHaveLength(1);
    const requested = items[0];
    const hour = await ports.ledger.hour(hourOf(requested?.at ?? ""));
    expect(hour.filter((e) => e.eventId === ids.requested)).toHaveLength(1);
  });

  it("keeps a malformed event out whole and dead-letters it with the reason", async () => {
    const eventId = crypto.randomUUID();
    const actorId = `user-${eventId}`;
    await cloud.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: "platform.upload",
            DetailType: "upload.file.requested",
            EventBusName: cloud.names.bus,
            Detail: JSON.stringify({
              metadata: {
                eventId,
                version: 1,
                correlationId: "req-bad",
                causationId: null,
                actor: { type: "user", id: actorId },
                occurredAt: new Date().toISOString(),
              },
              data: { fileId: "not-a-uuid" },
            }),
          },
        ],
      }),
    );
    await cloud.settle();

    const letters = await cloud.deadLetters.list("AuditRecordFailures");
    const letter = letters.find(
      (l) => l.redrive.kind === "lambda" && l.redrive.payload.includes(eventId),
    );
    expect(letter?.attempts).toBe(3);
    expect(letter?.error.message).toContain("invalid upload.file.requested: detail.data.fileId");
    const guard = await DynamoDBDocumentClient.from(cloud.dynamodb).send(
      new GetCommand({
        TableName: cloud.names.tables.Ledger,
        Key: { pk: `event#${eventId}`, sk: `event#${eventId}` },
      }),
    );
    expect(guard.Item).toBeUndefined();
    expect(await history(ports, AuditHistory.input.parse({ actorId }))).toEqual({ items: [] });
  });

  it("serves a file's timeline and an actor's actions oldest first, a page at a time", async () => {
    const fileId = crypto.randomUUID();
    const otherFile = crypto.randomUUID();
    const user: Actor = { type: "user", id: `user-${fileId}` };
    // A clock that moves a millisecond per event, so the order published is the order recorded.
    let clock = Date.now();
    const publisher = createPublisher({
      client: cloud.eventBridge,
      eventBusName: cloud.names.bus,
      now: () => new Date(clock++),
    });
    const progress = (file: string, done: number) => ({
      contract: ImagingProgressUpdated,
      data: { fileId: file, bucket: cloud.names.bucket, sourceKey: "tmp/x", done, total: 5 },
      context: { actor: user, correlationId: `req-${fileId}` },
    });
    await publisher.publishAll([1, 2, 3, 4, 5].map((done) => progress(fileId, done)));
    await publisher.publish(ImagingProgressUpdated, progress(otherFile, 1).data, {
      actor: service("imaging"),
      correlationId: "req-other",
    });
    await cloud.settle();

    const first = await history(ports, AuditHistory.input.parse({ fileId, limit: 2 }));
    expect(first.items.map((i) => (i.detail as { done: number }).done)).toEqual([1, 2]);
    expect(AuditHistory.output.parse(first)).toEqual(first);
    const items = await timeline(fileId, 2);
    expect(items.map((i) => (i.detail as { done: number }).done)).toEqual([1, 2, 3, 4, 5]);
    const mine = await history(ports, AuditHistory.input.parse({ actorId: user.id, limit: 3 }));
    expect(mine.items.map((i) => (i.detail as { done: number }).done)).toEqual([1, 2, 3]);
    const rest = await history(
      ports,
      AuditHistory.input.parse({ actorId: user.id, limit: 3, cursor: mine.nextCursor }),
    );
    expect(rest.items.map((i) => (i.detail as { done: number }).done)).toEqual([4, 5]);
    expect(rest.nextCursor).toBeUndefined();

    // A cursor names the query it belongs to: it cannot page through another file.
    await expect(
      history(ports, AuditHistory.input.parse({ fileId: otherFile, cursor: first.nextCursor })),
    ).rejects.toThrow(new InvalidCursorError("it belongs to another query"));
  });
});
