import { z } from "zod";
import type { LedgerEntry } from "./entry.ts";
import { EXPORT_PREFIX, hourOf, instant } from "./keys.ts";
import type { Ports } from "./ports.ts";

/**
 * The ledger as JSON Lines for Athena: one object per hour, `audit/dt=YYYY-MM-DD/HH.jsonl`, each
 * rewritten whole from the ledger, so a run repeated or overlapping another never duplicates a line.
 */

/** A scheduled run rewrites the current hour and this many before it, catching late entries. */
export const LOOKBACK_HOURS = 3;
/** A manual re-export covers at most this many hours (31 days). */
export const MAX_EXPORT_HOURS = 31 * 24;

const HOUR_MS = 3_600_000;

export const ExportRange = z
  .strictObject({ from: z.iso.datetime(), to: z.iso.datetime() })
  .refine((range) => Date.parse(range.from) < Date.parse(range.to), {
    error: "from must be before to",
    path: ["to"],
  })
  .refine((range) => Date.parse(range.to) - Date.parse(range.from) <= MAX_EXPORT_HOURS * HOUR_MS, {
    error: `a range covers at most ${MAX_EXPORT_HOURS} hours`,
    path: ["to"],
  });
export type ExportRange = z.infer<typeof ExportRange>;

/** The hours (`YYYY-MM-DDTHH`, UTC) that overlap [from, to). */
export function hoursBetween(from: Date, to: Date): string[] {
  const hours: string[] = [];
  for (let t = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS; t < to.getTime(); t += HOUR_MS)
    hours.push(hourOf(instant(new Date(t))));
  return hours;
}

/** A scheduled run's hours: the one `now` is in and the LOOKBACK_HOURS before it. */
export function recentHours(now: Date): string[] {
  return hoursBetween(
    new Date(now.getTime() - LOOKBACK_HOURS * HOUR_MS),
    new Date(now.getTime() + 1),
  );
}

/** `2025-01-02T03` -> `audit/dt=2025-01-02/03.jsonl` (Hive-style, for partition projection). */
export function objectKeyOf(hour: string): string {
  return `${EXPORT_PREFIX}dt=${hour.slice(0, 10)}/${hour.slice(11, 13)}.jsonl`;
}

/** One line: every column present (null when it does not apply), the data as a JSON string. */
export function exportLine(entry: LedgerEntry) {
  return {
    event_id: entry.eventId,
    at: entry.at,
    recorded_at: entry.recordedAt,
    type: entry.type,
    source: entry.source,
    action: entry.action,
    actor_type: entry.actor.type,
    actor_id: entry.actor.id,
    file_id: entry.fileId ?? null,
    object_key: entry.objectKey ?? null,
    correlation_id: entry.correlationId,
    causation_id: entry.causationId,
    caller: entry.caller ?? null,
    operation: entry.operation ?? null,
    target: entry.target ?? null,
    mode: entry.mode ?? null,
    outcome: entry.outcome ?? null,
    duration_ms: entry.durationMs ?? null,
    request_bytes: entry.requestBytes ?? null,
    response_bytes: entry.responseBytes ?? null,
    error_code: entry.errorCode ?? null,
    detail: JSON.stringify(entry.detail),
  };
}

export interface ExportedObject {
  key: string;
  lines: number;
}

/** Rewrites each hour's object from the ledger; an hour without entries writes nothing. */
export async function exportHours(
  ports: Pick<Ports, "ledger" | "exports">,
  hours: readonly string[],
): Promise<ExportedObject[]> {
  const written: ExportedObject[] = [];
  for (const hour of hours) {
    const entries = await ports.ledger.hour(hour);
    if (entries.length === 0) continue;
    const body = entries.map((entry) => `${JSON.stringify(exportLine(entry))}\n`).join("");
    const key = objectKeyOf(hour);
    await ports.exports.put(key, body);
    written.push({ key, lines: entries.length });
  }
  return written;
}
