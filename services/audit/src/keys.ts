import type { Actor } from "@platform/events";
import { z } from "zod";
import type { LedgerEntry } from "./entry.ts";

/**
 * How the ledger is keyed. One item per entry:
 * - `pk = file#<fileId>`: a file's history; a proxy call, which names no file, goes under
 *   `operation#<operation>` (so an operation's callers are one query); an object that is no
 *   file's under `object#<key>`; any other event under `type#<detail-type>`.
 * - `sk = <at>#<eventId>`: entries in time order, unique.
 * - `actorKey = <type>#<id>` (GSI byActor) and `day = YYYY-MM-DD` (GSI byDay), both with `sk`.
 * Each event id also has a guard item (`pk = sk = event#<id>`, in no index) written in the same
 * transaction as its entry, so a second delivery of the event adds nothing.
 */

/** Where the export writes; S3's events for these objects are not audited. */
export const EXPORT_PREFIX = "audit/";

export const filePk = (fileId: string) => `file#${fileId}`;
export const operationPk = (operation: string) => `operation#${operation}`;
export const objectPk = (key: string) => `object#${key}`;
export const typePk = (detailType: string) => `type#${detailType}`;
export const guardKey = (eventId: string) => `event#${eventId}`;
export const sortKey = (at: string, eventId: string) => `${at}#${eventId}`;
export const actorKey = (actor: Actor) => `${actor.type}#${actor.id}`;
export const dayOf = (at: string) => at.slice(0, 10);
/** `YYYY-MM-DDTHH`: every sort key of that hour starts with it. */
export const hourOf = (at: string) => at.slice(0, 13);

const FileId = z.uuid();
// The last segment of every key the platform writes: `<fileId>_<ms>.<ext>`.
const FILE_NAME = /^([0-9a-fA-F-]{36})_\d+\.[A-Za-z0-9]+$/;

/**
 * The file an object belongs to, from its key: `tmp/<purpose>/<entity>/<name>`,
 * `<purpose>/<entity>/origin/<name>` or `<purpose>/<entity>/<size>/<name>`.
 */
export function fileIdOfKey(key: string): string | undefined {
  const name = key.slice(key.lastIndexOf("/") + 1);
  const candidate = FILE_NAME.exec(name)?.[1];
  return FileId.safeParse(candidate).success ? candidate : undefined;
}

/** An instant as the ledger writes it: ISO 8601 in UTC with milliseconds, so text order is time order. */
export function instant(time: string | Date): string {
  const date = typeof time === "string" ? new Date(time) : time;
  if (Number.isNaN(date.getTime())) throw new Error(`not a time: ${String(time)}`);
  return date.toISOString();
}

/** The partition an entry belongs to (see the key layout above). */
export function partitionOf(entry: LedgerEntry): string {
  if (entry.fileId) return filePk(entry.fileId);
  if (entry.operation !== undefined) return operationPk(entry.operation);
  if (entry.objectKey) return objectPk(entry.objectKey);
  return typePk(entry.type);
}
