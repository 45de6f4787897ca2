import { EventValidationError, parse } from "@platform/events";
import { describe, expect, it } from "vitest";
import { AUDITED, actionOf, type S3AuditedEvent, s3Entry } from "../../src/entry.ts";
import { record } from "../../src/record.ts";
import {
  callData,
  FILE_ID,
  platformEvent,
  requestedData,
  s3Event,
  USER,
} from "../support/events.ts";
import { memoryLedger } from "../support/memory-ledger.ts";

const now = new Date("2025-01-01T00:00:05.000Z");
const ports = () => ({ ledger: memoryLedger(), now: () => now });
const requested = (occurredAt = "2025-01-01T00:00:00.400Z") =>
  platformEvent("platform.upload", "upload.file.requested", requestedData, {
    eventId: "0b6d3c2a-1e4f-4a5b-8c6d-7e8f9a0b1c2d",
    occurredAt,
  });

describe("record", () => {
  it("records a platform event with its actor, chain and file", async () => {
    const p = ports();
    expect(await record(p, requested())).toEqual({
      outcome: "recorded",
      eventId: "0b6d3c2a-1e4f-4a5b-8c6d-7e8f9a0b1c2d",
    });
    expect(p.ledger.entries).toEqual([
      {
        eventId: "0b6d3c2a-1e4f-4a5b-8c6d-7e8f9a0b1c2d",
        at: "2025-01-01T00:00:00.400Z",
        recordedAt: "2025-01-01T00:00:05.000Z",
        type: "upload.file.requested",
        source: "platform.upload",
        action: "requested",
        actor: USER,
        fileId: FILE_ID,
        correlationId: "req-1",
        causationId: null,
        detail: requestedData,
      },
    ]);
  });

  it("adds nothing for a second delivery of the same event id, even re-published later", async () => {
    const p = ports();
    await record(p, requested("2025-01-01T00:00:00.400Z"));
    expect(await record(p, requested("2025-01-01T00:00:03.000Z"))).toMatchObject({
      outcome: "duplicate",
    });
    expect(p.ledger.entries).toHaveLength(1);
  });

  it("records a proxy call with its flat fields, under no file", async () => {
    const p = ports();
    const call = platformEvent("platform.proxy", "proxy.invocation.completed", callData, {
      eventId: "1c7e4d3b-2f5a-4b6c-9d7e-8f9a0b1c2d3e",
      occurredAt: "2025-01-01T00:00:01.000Z",
      actor: { type: "service", id: "upload" },
    });
    await record(p, call);
    const [entry] = p.ledger.entries;
    expect(entry).toMatchObject({ action: "call", actor: { type: "service", id: "upload" } });
    expect(entry).toMatchObject(callData);
    expect(entry?.fileId).toBeUndefined();
  });

  it("attributes an upload's arrival to its requester, placed just after the request", async () => {
    const p = ports();
    await record(p, requested("2025-01-01T00:00:02.400Z"));
    const created = s3Event("object_created", {
      key: requestedData.key,
      time: "2025-01-01T00:00:02Z",
    });
    await record({ ...p, now: () => new Date("2025-01-01T00:00:02.950Z") }, created);
    const entry = p.ledger.entries.find((e) => e.eventId === created.id);
    expect(entry).toMatchObject({
      // As early as S3's whole second allows, after the request: before anything it caused.
      at: "2025-01-01T00:00:02.401Z",
      action: "object.created",
      actor: USER,
      fileId: FILE_ID,
      objectKey: requestedData.key,
      correlationId: "req-1",
    });
    expect(entry?.detail).toMatchObject({ requester: "<requester>" });
  });

  it("attributes other object changes to S3, placed when recorded within S3's second", async () => {
    const p = ports();
    await record(p, requested("2025-01-01T00:00:00.400Z"));
    const removed = s3Event("object_deleted", {
      key: requestedData.key,
      time: "2025-01-01T00:00:02Z",
    });
    await record({ ...p, now: () => new Date("2025-01-01T00:00:02.250Z") }, removed);
    const entry = p.ledger.entries.find((e) => e.eventId === removed.id);
    expect(entry).toMatchObject({
      at: "2025-01-01T00:00:02.250Z",
      action: "object.deleted",
      actor: { type: "system", id: "s3" },
      fileId: FILE_ID,
      correlationId: "req-1",
    });
  });

  it("keys an S3 change by its object and sequencer, not by EventBridge's envelope id", () => {
    const first = s3Event("object_created", {
      key: requestedData.key,
      time: "2025-01-01T00:00:02Z",
    });
    const again = { ...structuredClone(first), id: "another-envelope-id" };
    const dedupeKey = (event: typeof first) =>
      s3Entry(parse(AUDITED, event) as S3AuditedEvent, undefined, now).dedupeKey;
    expect(dedupeKey(again)).toBe(dedupeKey(first));
    const later = structuredClone(first);
    later.detail.object.sequencer = "00FFFFFFFFFFFFFFFF";
    expect(dedupeKey(later)).not.toBe(dedupeKey(first));
  });

  it("keeps an object within S3's second, however late it is recorded", async () => {
    const p = ports();
    const late = s3Event("object_created", {
      key: requestedData.key,
      time: "2025-01-01T00:00:02Z",
    });
    await record(p, late);
    expect(p.ledger.entries[0]?.at).toBe("2025-01-01T00:00:02.999Z");
  });

  it("never places an object before its file's request", async () => {
    const p = ports();
    await record(p, requested("2025-01-01T00:00:00.400Z"));
    const early = s3Event("object_created", {
      key: requestedData.key,
      time: "2025-01-01T00:00:00Z",
    });
    await record({ ...p, now: () => new Date("2025-01-01T00:00:00.300Z") }, early);
    expect(p.ledger.entries.find((e) => e.eventId === early.id)?.at).toBe(
      "2025-01-01T00:00:00.401Z",
    );
  });

  it("attributes an object to S3 when its file's request is not in the ledger", async () => {
    const p = ports();
    const deleted = s3Event("object_deleted", {
      key: requestedData.key,
      time: "2025-01-01T00:00:02Z",
    });
    await record({ ...p, now: () => new Date("2025-01-01T00:00:02.010Z") }, deleted);
    expect(p.ledger.entries[0]).toMatchObject({
      at: "2025-01-01T00:00:02.010Z",
      action: "object.deleted",
      actor: { type: "system", id: "s3" },
      correlationId: deleted.id,
    });
  });

  it("skips the export's own objects", async () => {
    const p = ports();
    const exported = s3Event("object_created", {
      key: "audit/dt=2025-01-01/00.jsonl",
      time: "2025-01-01T00:00:02Z",
    });
    expect(await record(p, exported)).toEqual({
      outcome: "skipped",
      reason: "audit/dt=2025-01-01/00.jsonl is the export",
    });
    expect(p.ledger.entries).toEqual([]);
  });

  it("refuses a malformed event whole, naming what is wrong", async () => {
    const p = ports();
    const bad = requested();
    bad.detail.data = { ...requestedData, fileId: "not-a-uuid" };
    await expect(record(p, bad)).rejects.toThrow(EventValidationError);
    await expect(record(p, bad)).rejects.toThrow("detail.data.fileId");
    expect(p.ledger.entries).toEqual([]);
  });

  it("refuses an event it does not audit", async () => {
    const p = ports();
    const other = platformEvent(
      "platform.billing",
      "billing.invoice.sent",
      {},
      {
        eventId: "2d8f5e4c-3a6b-4c7d-8e9f-0a1b2c3d4e5f",
        occurredAt: "2025-01-01T00:00:01.000Z",
      },
    );
    await expect(record(p, other)).rejects.toThrow(
      "unexpected event platform.billing/billing.invoice.sent",
    );
  });
});

describe("actionOf", () => {
  it.each([
    ["platform.upload", "upload.file.requested", "requested"],
    ["platform.imaging", "imaging.variants.created", "variants.created"],
    ["platform.imaging", "imaging.file.rejected", "rejected"],
    ["platform.proxy", "proxy.invocation.completed", "call"],
    ["aws.s3", "Object Created", "object.created"],
    ["aws.s3", "Object Deleted", "object.deleted"],
  ])("names %s %s %s", (source, detailType, action) => {
    expect(actionOf(source, detailType)).toBe(action);
  });
});
