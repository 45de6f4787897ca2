import { describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../src/entry.ts";
import {
  type Call,
  callsIn,
  formatImpact,
  impactReport,
  impactSubject,
  isEmpty,
  percentile,
} from "../../src/impact.ts";
import { USER } from "../support/events.ts";

const OPERATIONS = ["imaging.describe", "audit.history"];

function call(
  caller: string,
  operation: string,
  outcome: string,
  durationMs: number,
  at: string,
): Call {
  return { caller, operation, outcome, durationMs, at };
}

const calls: Call[] = [
  call("upload", "imaging.describe", "ok", 10, "2025-01-01T10:00:00.000Z"),
  call("upload", "imaging.describe", "ok", 20, "2025-01-01T09:00:00.000Z"),
  call("upload", "imaging.describe", "timeout", 10_000, "2025-01-01T11:00:00.000Z"),
  call("upload", "imaging.describe", "target_failed", 30, "2025-01-01T10:30:00.000Z"),
  call("notify", "imaging.describe", "denied", 1, "2025-01-02T00:00:00.000Z"),
  call("imaging", "audit.history", "ok", 5, "2025-01-01T12:00:00.000Z"),
];

describe("impactSubject", () => {
  it("tells an operation from a service, which covers the operations named for it", () => {
    expect(impactSubject("imaging.describe", OPERATIONS)).toEqual({
      kind: "operation",
      operation: "imaging.describe",
    });
    expect(impactSubject("imaging", OPERATIONS)).toEqual({
      kind: "service",
      service: "imaging",
      operations: ["imaging.describe"],
    });
  });

  it("refuses a name that is neither", () => {
    expect(() => impactSubject("Imaging Describe", OPERATIONS)).toThrow(
      '"Imaging Describe" is neither an operation (<service>.<verb>) nor a service name',
    );
  });
});

describe("percentile", () => {
  it("takes the nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(() => percentile([], 50)).toThrow("no values");
  });
});

describe("impactReport", () => {
  it("gives each caller of an operation its counts, rates, percentiles and first and last call", () => {
    const report = impactReport(impactSubject("imaging.describe", OPERATIONS), calls);
    expect(report.outbound).toEqual([]);
    expect(report.inbound).toEqual([
      {
        operation: "imaging.describe",
        caller: "upload",
        calls: 4,
        errors: 2,
        timeouts: 1,
        errorRate: 0.5,
        timeoutRate: 0.25,
        p50Ms: 20,
        p99Ms: 10_000,
        firstSeen: "2025-01-01T09:00:00.000Z",
        lastSeen: "2025-01-01T11:00:00.000Z",
      },
      expect.objectContaining({ caller: "notify", calls: 1, errors: 1, errorRate: 1 }),
    ]);
  });

  it("covers the calls a service receives and the calls it makes", () => {
    const report = impactReport(impactSubject("imaging", OPERATIONS), calls);
    expect(report.inbound.map((r) => [r.operation, r.caller])).toEqual([
      ["imaging.describe", "upload"],
      ["imaging.describe", "notify"],
    ]);
    expect(report.outbound.map((r) => [r.operation, r.caller, r.calls])).toEqual([
      ["audit.history", "imaging", 1],
    ]);
    expect(isEmpty(report)).toBe(false);
    expect(isEmpty(impactReport(impactSubject("billing", OPERATIONS), calls))).toBe(true);
  });

  it("prints one line per caller under a header", () => {
    const text = formatImpact(impactReport(impactSubject("imaging.describe", OPERATIONS), calls));
    const lines = text.split("\n");
    expect(lines[0]).toBe("Calls to imaging.describe, by caller:");
    expect(lines[1]).toMatch(
      /^operation\s+caller\s+calls\s+error rate\s+timeout rate\s+p50 ms\s+p99 ms/,
    );
    expect(lines[2]).toMatch(
      /^imaging\.describe\s+upload\s+4\s+50\.0% \(2\)\s+25\.0% \(1\)\s+20\s+10000\s+2025-01-01T09:00:00\.000Z\s+2025-01-01T11:00:00\.000Z$/,
    );
    expect(lines).toHaveLength(4);
    const service = formatImpact(impactReport(impactSubject("audit", OPERATIONS), calls));
    expect(service).toContain("Calls audit makes:\n  none recorded");
  });
});

describe("callsIn", () => {
  it("keeps only proxy calls", () => {
    const base = {
      eventId: "e",
      at: "2025-01-01T00:00:00.000Z",
      recordedAt: "2025-01-01T00:00:00.000Z",
      source: "platform.proxy",
      actor: USER,
      correlationId: "c",
      causationId: null,
      detail: {},
    };
    const entries: LedgerEntry[] = [
      { ...base, type: "upload.file.requested", action: "requested" },
      {
        ...base,
        type: "proxy.invocation.completed",
        action: "call",
        caller: "upload",
        operation: "imaging.describe",
        outcome: "ok",
        durationMs: 3,
      },
    ];
    expect(callsIn(entries)).toEqual([
      call("upload", "imaging.describe", "ok", 3, "2025-01-01T00:00:00.000Z"),
    ]);
  });
});
