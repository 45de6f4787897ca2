import type { Change, FileRecord } from "./files.ts";
import type { Ports } from "./ports.ts";

/**
 * Applies one transition with the outbox pattern: the row and the events it owes are written
 * together, conditionally on the revision read; the events are published after, then cleared.
 * A crash between the two leaves them in the row, and the next change to that file (the retry of
 * the same event included) publishes them first, with the same event ids. A file that has left
 * `pending` may never change again (deleted, expired), so while it owes events it is also marked on
 * the sweep's index (`sweepShard: "outbox"`, `sweepAt`: when written), and the sweep drains it.
 * A pending file keeps its pending mark: the sweep's expiry, a change like any other, flushes it.
 */
const MAX_CONFLICTS = 8;

export class ConflictError extends Error {
  constructor(fileId: string) {
    super(`file ${fileId} kept changing under ${MAX_CONFLICTS} attempts to update it`);
    this.name = "ConflictError";
  }
}

/** A slow link's rate: at it, 500 MB takes about 8 minutes. */
export const TRANSFER_BYTES_PER_SECOND = 1024 * 1024;

/**
 * When a pending file falls due to the sweep, before the sweep's own grace. S3 checks a signature
 * only when a request starts, so an upload begun just before `uploadExpiresAt` may still be
 * sending: allow for its declared size's transfer at TRANSFER_BYTES_PER_SECOND.
 */
export function sweepAtFor(uploadExpiresAt: string, size: number): string {
  const transferMs = Math.floor((size / TRANSFER_BYTES_PER_SECOND) * 1000);
  return new Date(Date.parse(uploadExpiresAt) + transferMs).toISOString();
}

/** Marks a row that has left `pending` while it owes events, keeping the oldest mark's time. */
function markOwed(next: FileRecord, read: FileRecord, at: string): FileRecord {
  if (next.status === "pending") return next;
  const { sweepShard: _, sweepAt: __, ...unmarked } = next;
  if (next.outbox.length === 0) return unmarked;
  const since = read.sweepShard === "outbox" && read.sweepAt ? read.sweepAt : at;
  return { ...unmarked, sweepShard: "outbox", sweepAt: since };
}

export async function applyChange(
  ports: Pick<Ports, "files" | "events" | "newId" | "now">,
  fileId: string,
  decide: (file: FileRecord) => Change | undefined,
): Promise<{ file: FileRecord; changed: boolean } | undefined> {
  for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
    let file = await ports.files.get(fileId);
    if (!file) return undefined;
    if (file.outbox.length > 0) file = await flush(ports, file);
    const change = decide(file);
    if (!change) return { file, changed: false };
    const next = markOwed(
      {
        ...change.file,
        rev: file.rev + 1,
        // Keep any events still owed: a writer that won the race may have crashed before publishing.
        outbox: [
          ...file.outbox,
          ...change.events.map((event) => ({ ...event, eventId: ports.newId() })),
        ],
      },
      file,
      ports.now().toISOString(),
    );
    if (!(await ports.files.replace(next, file.rev))) continue;
    return { file: await flush(ports, next), changed: true };
  }
  throw new ConflictError(fileId);
}

/**
 * Publishes a row's pending events and clears them, with the sweep's mark for them (unless someone
 * else already moved on).
 */
export async function flush(
  ports: Pick<Ports, "files" | "events">,
  file: FileRecord,
): Promise<FileRecord> {
  if (file.outbox.length === 0) return file;
  await ports.events.publish(file.outbox, file.correlationId);
  const cleared: FileRecord = { ...file, outbox: [], rev: file.rev + 1 };
  if (cleared.sweepShard === "outbox") {
    delete cleared.sweepShard;
    delete cleared.sweepAt;
  }
  if (await ports.files.replace(cleared, file.rev)) return cleared;
  return (await ports.files.get(file.fileId)) ?? cleared;
}
