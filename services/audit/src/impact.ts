import type { LedgerEntry } from "./entry.ts";

/**
 * Impact analysis: who calls an operation (or a service's operations), how often, how it goes.
 * Pure functions over proxy call entries; the CLI reads them from the ledger.
 */

export type ImpactSubject =
  | { kind: "operation"; operation: string }
  | { kind: "service"; service: string; operations: string[] };

export interface Call {
  caller: string;
  operation: string;
  outcome: string;
  durationMs: number;
  at: string;
}

export interface ImpactRow {
  operation: string;
  caller: string;
  calls: number;
  /** Calls whose outcome is not "ok" (timeouts included). */
  errors: number;
  timeouts: number;
  errorRate: number;
  timeoutRate: number;
  p50Ms: number;
  p99Ms: number;
  firstSeen: string;
  lastSeen: string;
}

export interface ImpactReport {
  subject: ImpactSubject;
  /** Calls to the operation, or to the service's operations: one row per operation and caller. */
  inbound: ImpactRow[];
  /** A service's own calls to others' operations (none for an operation). */
  outbound: ImpactRow[];
}

const OPERATION = /^[a-z][a-z0-9-]*\.[A-Za-z0-9.-]+$/;
const SERVICE = /^[a-z][a-z0-9-]*$/;

/** `imaging.describe` is an operation; `imaging` the service, with the operations named for it. */
export function impactSubject(name: string, knownOperations: readonly string[]): ImpactSubject {
  if (OPERATION.test(name)) return { kind: "operation", operation: name };
  if (SERVICE.test(name))
    return {
      kind: "service",
      service: name,
      operations: knownOperations.filter((op) => op.startsWith(`${name}.`)),
    };
  throw new Error(`"${name}" is neither an operation (<service>.<verb>) nor a service name`);
}

/** The proxy calls among ledger entries. */
export function callsIn(entries: readonly LedgerEntry[]): Call[] {
  return entries.flatMap((e) =>
    e.caller !== undefined && e.operation !== undefined && e.outcome !== undefined
      ? [
          {
            caller: e.caller,
            operation: e.operation,
            outcome: e.outcome,
            durationMs: e.durationMs ?? 0,
            at: e.at,
          },
        ]
      : [],
  );
}

/** Nearest-rank percentile of non-empty values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("no values");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export function impactReport(subject: ImpactSubject, calls: readonly Call[]): ImpactReport {
  if (subject.kind === "operation")
    return {
      subject,
      inbound: rows(calls.filter((c) => c.operation === subject.operation)),
      outbound: [],
    };
  const own = (op: string) =>
    subject.operations.includes(op) || op.startsWith(`${subject.service}.`);
  return {
    subject,
    inbound: rows(calls.filter((c) => own(c.operation))),
    outbound: rows(calls.filter((c) => c.caller === subject.service)),
  };
}

function rows(calls: readonly Call[]): ImpactRow[] {
  const groups = new Map<string, Call[]>();
  for (const call of calls) {
    const key = `${call.operation}\u0000${call.caller}`;
    groups.set(key, [...(groups.get(key) ?? []), call]);
  }
  return [...groups.values()]
    .map((group): ImpactRow => {
      const first = group[0] as Call;
      const errors = group.filter((c) => c.outcome !== "ok").length;
      const timeouts = group.filter((c) => c.outcome === "timeout").length;
      const times = group.map((c) => c.at).sort();
      const durations = group.map((c) => c.durationMs);
      return {
        operation: first.operation,
        caller: first.caller,
        calls: group.length,
        errors,
        timeouts,
        errorRate: errors / group.length,
        timeoutRate: timeouts / group.length,
        p50Ms: percentile(durations, 50),
        p99Ms: percentile(durations, 99),
        firstSeen: times[0] as string,
        lastSeen: times[times.length - 1] as string,
      };
    })
    .sort((a, b) => a.operation.localeCompare(b.operation) || b.calls - a.calls);
}

const HEADER = [
  "operation",
  "caller",
  "calls",
  "error rate",
  "timeout rate",
  "p50 ms",
  "p99 ms",
  "first seen",
  "last seen",
];
const rate = (count: number, of: number) => `${((count / of) * 100).toFixed(1)}% (${count})`;

function table(rows: readonly ImpactRow[]): string[] {
  const cells = [
    HEADER,
    ...rows.map((r) => [
      r.operation,
      r.caller,
      String(r.calls),
      rate(r.errors, r.calls),
      rate(r.timeouts, r.calls),
      String(r.p50Ms),
      String(r.p99Ms),
      r.firstSeen,
      r.lastSeen,
    ]),
  ];
  const widths = HEADER.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  // Names and times left-aligned, figures right-aligned.
  const figure = (i: number) => i >= 2 && i <= 6;
  return cells.map((row) =>
    row
      .map((cell, i) => (figure(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

/** The report as the CLI prints it. */
export function formatImpact(report: ImpactReport): string {
  const { subject } = report;
  const lines: string[] = [];
  if (subject.kind === "operation") {
    lines.push(`Calls to ${subject.operation}, by caller:`, ...table(report.inbound));
    return lines.join("\n");
  }
  lines.push(`Calls to ${subject.service}'s operations, by caller:`);
  lines.push(...(report.inbound.length > 0 ? table(report.inbound) : ["  none recorded"]));
  lines.push("", `Calls ${subject.service} makes:`);
  lines.push(...(report.outbound.length > 0 ? table(report.outbound) : ["  none recorded"]));
  return lines.join("\n");
}

/** Whether the report found any call at all. */
export const isEmpty = (report: ImpactReport) =>
  report.inbound.length === 0 && report.outbound.length === 0;
