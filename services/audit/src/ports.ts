import type { Actor } from "@platform/events";
import type { LedgerEntry } from "./entry.ts";

/** What the audit logic needs from outside; tests pass the local platform's clients or fakes. */

/** A file's history, or an actor's actions. */
export type TimelineQuery = { fileId: string } | { actor: Actor };

/** Where a page ended: the table's key attributes of its last entry. */
export type PageKey = Record<string, string>;

export interface LedgerPage {
  entries: LedgerEntry[];
  /** Set when more entries follow. */
  next?: PageKey;
}

export interface Ledger {
  /** Adds the entry unless one with its eventId exists; never changes an entry. */
  append(entry: LedgerEntry): Promise<"recorded" | "duplicate">;
  /** The file's `upload.file.requested` entry, if recorded. */
  fileRequest(fileId: string): Promise<LedgerEntry | undefined>;
  /** Oldest first, up to `limit` entries after `after`. */
  page(query: TimelineQuery, limit: number, after?: PageKey): Promise<LedgerPage>;
  /** Every entry of one hour (`YYYY-MM-DDTHH`, UTC), oldest first. */
  hour(hour: string): Promise<LedgerEntry[]>;
  /** Every proxy call to an operation, or made by a service. */
  calls(by: { operation: string } | { caller: string }): Promise<LedgerEntry[]>;
}

export interface ExportBucket {
  bucket: string;
  /** Replaces the object whole. */
  put(key: string, body: string): Promise<void>;
}

export interface Ports {
  ledger: Ledger;
  exports: ExportBucket;
  now: () => Date;
}
