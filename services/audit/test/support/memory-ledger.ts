import type { LedgerEntry } from "../../src/entry.ts";
import { actorKey, dayOf, partitionOf, sortKey } from "../../src/keys.ts";
import type { ExportBucket, Ledger, PageKey } from "../../src/ports.ts";

/** The ledger's rules held in memory, for unit tests: one entry per event id, in key order. */
export function memoryLedger(): Ledger & { entries: LedgerEntry[] } {
  const rows = new Map<string, { pk: string; sk: string; entry: LedgerEntry }>();
  const sorted = (filter: (row: { pk: string; sk: string; entry: LedgerEntry }) => boolean) =>
    [...rows.values()].filter(filter).sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
  return {
    get entries() {
      return [...rows.values()].map((row) => row.entry);
    },
    async append(entry) {
      // Keyed as the table's guard item is.
      const guard = entry.dedupeKey ?? entry.eventId;
      if (rows.has(guard)) return "duplicate";
      rows.set(guard, {
        pk: partitionOf(entry),
        sk: sortKey(entry.at, entry.eventId),
        entry: structuredClone(entry),
      });
      return "recorded";
    },
    async fileRequest(fileId) {
      return sorted((r) => r.entry.fileId === fileId && r.entry.type === "upload.file.requested")[0]
        ?.entry;
    },
    async page(query, limit, after?: PageKey) {
      const matching = sorted((r) =>
        "fileId" in query
          ? r.pk === `file#${query.fileId}`
          : actorKey(r.entry.actor) === actorKey(query.actor),
      ).filter((r) => !after || r.sk > (after.sk ?? ""));
      const page = matching.slice(0, limit);
      const last = page[page.length - 1];
      const next =
        matching.length > limit && last
          ? {
              pk: last.pk,
              sk: last.sk,
              ...("fileId" in query ? {} : { actorKey: actorKey(last.entry.actor) }),
            }
          : undefined;
      return { entries: page.map((r) => r.entry), ...(next ? { next } : {}) };
    },
    async hour(hour) {
      return sorted((r) => dayOf(r.entry.at) === dayOf(hour) && r.sk.startsWith(hour)).map(
        (r) => r.entry,
      );
    },
    async calls(by) {
      return sorted((r) =>
        "operation" in by
          ? r.pk === `operation#${by.operation}`
          : r.entry.caller === by.caller && r.entry.actor.id === by.caller,
      ).map((r) => r.entry);
    },
  };
}

/** A bucket in memory that keeps each object's latest body. */
export function memoryBucket(): ExportBucket & { objects: Map<string, string> } {
  const objects = new Map<string, string>();
  return {
    bucket: "memory",
    objects,
    async put(key, body) {
      objects.set(key, body);
    },
  };
}
