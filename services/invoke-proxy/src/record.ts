import type { DataInputOf, InvocationCompleted } from "@platform/events";
import type { InvokeMode } from "@platform/invoke";

export type Outcome = DataInputOf<typeof InvocationCompleted>["outcome"];

/** Stands for a caller, operation or target a call did not name (or never reached). */
export const NONE = "(none)";

/** The one log line each call leaves, field for field (README: the proxy's call log). */
export interface CallRecord {
  timestamp: string;
  correlationId: string;
  caller: string;
  operation: string;
  target: string;
  mode: InvokeMode;
  outcome: Outcome;
  durationMs: number;
  requestBytes: number;
  responseBytes: number;
  /** null when the call succeeded; otherwise finer than the outcome (README lists them). */
  errorCode: string | null;
}

export function logLine(record: CallRecord): string {
  return JSON.stringify({
    timestamp: record.timestamp,
    correlationId: record.correlationId,
    caller: record.caller,
    operation: record.operation,
    target: record.target,
    mode: record.mode,
    outcome: record.outcome,
    durationMs: record.durationMs,
    requestBytes: record.requestBytes,
    responseBytes: record.responseBytes,
    errorCode: record.errorCode,
  });
}

/** proxy.invocation.completed's data: the record without what its metadata already says. */
export function eventData(record: CallRecord): DataInputOf<typeof InvocationCompleted> {
  const { timestamp: _, correlationId: __, errorCode, ...data } = record;
  return errorCode === null ? data : { ...data, errorCode };
}

const utf8 = new TextEncoder();
export const byteLength = (text: string | undefined) => (text ? utf8.encode(text).length : 0);
