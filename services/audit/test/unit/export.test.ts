import { describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../src/entry.ts";
import {
  ExportRange,
  exportHours,
  exportLine,
  hoursBetween,
  objectKeyOf,
  recentHours,
} from "../../src/export.ts";
import { callData, FILE_ID, USER } from "../support/events.ts";
import { memoryBucket, memoryLedger } from "../support/memory-ledger.ts";

function entry(eventId: string, at: string, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    eventId,
    at,
    recordedAt: at,
    type: "upload.file.requested",
    source: "platform.upload",
    action: "requested",
    actor: USER,
    fileId: FILE_ID,
    correlationId: "req-1",
    causationId: null,
    detail: { size: 1 },
    ...overrides,
  };
}

describe("export hours", () => {
  it("covers every hour a range overlaps, across midnight", () => {
    expect(
      hoursBetween(new Date("2025-01-01T22:30:00Z"), new Date("2025-01-02T01:00:00Z")),
    ).toEqual(["2025-01-01T22", "2025-01-01T23", "2025-01-02T00"]);
  });

  it("rewrites the current hour and the three before it on a schedule", () => {
    expect(recentHours(new Date("2025-01-02T01:05:00Z"))).toEqual([
      "2025-01-01T22",
      "2025-01-01T23",
      "2025-01-02T00",
      "2025-01-02T01",
    ]);
  });

  it("names one object per hour in a dt= partition", () => {
    expect(objectKeyOf("2025-01-02T03")).toBe("audit/dt=2025-01-02/03.jsonl");
  });

  it("accepts a manual range of at most 31 days, from before to", () => {
    expect(
      ExportRange.safeParse({ from: "2025-01-01T00:00:00Z", to: "2025-01-01T00:00:00Z" }).error
        ?.issues,
    ).toMatchObject([{ path: ["to"], message: "from must be before to" }]);
    expect(
      ExportRange.safeParse({ from: "2025-01-01T00:00:00Z", to: "2025-03-01T00:00:00Z" }).error
        ?.issues,
    ).toMatchObject([{ path: ["to"], message: "a range covers at most 744 hours" }]);
    expect(ExportRange.safeParse({ from: "2025-01-01", to: "2025-01-02" }).success).toBe(false);
  });
});

describe("export lines", () => {
  it("flattens an entry into columns, null where they do not apply", () => {
    expect(exportLine(entry("e-1", "2025-01-01T00:00:00.000Z"))).toEqual({
      event_id: "e-1",
      at: "2025-01-01T00:00:00.000Z",
      recorded_at: "2025-01-01T00:00:00.000Z",
      type: "upload.file.requested",
      source: "platform.upload",
      action: "requested",
      actor_type: "user",
      actor_id: "user-1",
      file_id: FILE_ID,
      object_key: null,
      correlation_id: "req-1",
      causation_id: null,
      caller: null,
      operation: null,
      target: null,
      mode: null,
      outcome: null,
      duration_ms: null,
      request_bytes: null,
      response_bytes: null,
      error_code: null,
      detail: '{"size":1}',
    });
  });

  it("carries a proxy call's fields as columns", () => {
    const { fileId: _, ...call } = entry("e-2", "2025-01-01T00:00:00.000Z", {
      ...callData,
      mode: "sync",
      outcome: "timeout",
      errorCode: "timeout",
    });
    expect(exportLine(call)).toMatchObject({
      file_id: null,
      caller: "upload",
      operation: "imaging.describe",
      outcome: "timeout",
      duration_ms: 12,
      error_code: "timeout",
    });
  });
});

describe("exportHours", () => {
  it("writes each hour whole, so a second run writes the same lines", async () => {
    const ledger = memoryLedger();
    await ledger.append(entry("e-2", "2025-01-01T10:59:59.999Z"));
    await ledger.append(entry("e-1", "2025-01-01T10:00:00.000Z"));
    await ledger.append(entry("e-3", "2025-01-01T11:00:00.000Z"));
    const exports = memoryBucket();
    const hours = ["2025-01-01T09", "2025-01-01T10", "2025-01-01T11"];

    expect(await exportHours({ ledger, exports }, hours)).toEqual([
      { key: "audit/dt=2025-01-01/10.jsonl", lines: 2 },
      { key: "audit/dt=2025-01-01/11.jsonl", lines: 1 },
    ]);
    const first = new Map(exports.objects);
    const ten = (first.get("audit/dt=2025-01-01/10.jsonl") ?? "").trimEnd().split("\n");
    expect(ten.map((line) => JSON.parse(line).event_id)).toEqual(["e-1", "e-2"]);

    await exportHours({ ledger, exports }, hours);
    expect(exports.objects).toEqual(first);
    expect(exports.objects.has("audit/dt=2025-01-01/09.jsonl")).toBe(false);
  });
});
