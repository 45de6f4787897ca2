import type { AuditHistory, OperationOutput } from "@platform/events";
import type { z } from "zod";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import type { LedgerEntry } from "./entry.ts";
import type { Ports, TimelineQuery } from "./ports.ts";

export type HistoryInput = z.output<typeof AuditHistory.input>;
export type HistoryOutput = OperationOutput<typeof AuditHistory>;

/** audit.history: a file's timeline or an actor's actions, oldest first, a page at a time. */
export async function history(
  ports: Pick<Ports, "ledger">,
  input: HistoryInput,
): Promise<HistoryOutput> {
  const query = queryOf(input);
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor, query);
  const { entries, next } = await ports.ledger.page(query, input.limit, after);
  return {
    items: entries.map(item),
    ...(next ? { nextCursor: encodeCursor(next) } : {}),
  };
}

function queryOf(input: HistoryInput): TimelineQuery {
  if (input.fileId) return { fileId: input.fileId };
  if (input.actorId) return { actor: { type: input.actorType ?? "user", id: input.actorId } };
  throw new Error("give a fileId or an actorId");
}

function item(entry: LedgerEntry): HistoryOutput["items"][number] {
  return {
    eventId: entry.eventId,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    type: entry.type,
    ...(entry.fileId ? { fileId: entry.fileId } : {}),
    detail: entry.detail,
  };
}
