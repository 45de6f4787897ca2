import type { Change, FileRecord } from "./files.ts";
import type { Ports } from "./ports.ts";

/**
 * Applies one transition with the outbox pattern: the row and the events it owes are written
 * together, conditionally on the revision read; the events are published after, then cleared.
 * A crash between the two leaves them in the row, and the next change to that file (the retry of
 * the same event included) publishes them first, with the same event ids.
 */
const MAX_CONFLICTS = 8;

export class ConflictError extends Error {
  constructor(fileId: string) {
    super(`file ${fileId} kept changing under ${MAX_CONFLICTS} attempts to update it`);
    this.name = "ConflictError";
  }
}

export async function applyChange(
  ports: Pick<Ports, "files" | "events" | "newId">,
  fileId: string,
  decide: (file: FileRecord) => Change | undefined,
): Promise<{ file: FileRecord; changed: boolean } | undefined> {
  for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
    let file = await ports.files.get(fileId);
    if (!file) return undefined;
    if (file.outbox.length > 0) file = await flush(ports, file);
    const change = decide(file);
    if (!change) return { file, changed: false };
    const next: FileRecord = {
      ...change.file,
      rev: file.rev + 1,
      // Keep any events still owed: a writer that won the race may have crashed before publishing.
      outbox: [
        ...file.outbox,
        ...change.events.map((event) => ({ ...event, eventId: ports.newId() })),
      ],
    };
    if (!(await ports.files.replace(next, file.rev))) continue;
    return { file: await flush(ports, next), changed: true };
  }
  throw new ConflictError(fileId);
}

/** Publishes a row's pending events and clears them (unless someone else already moved on). */
export async function flush(
  ports: Pick<Ports, "files" | "events">,
  file: FileRecord,
): Promise<FileRecord> {
  if (file.outbox.length === 0) return file;
  await ports.events.publish(file.outbox, file.correlationId);
  const cleared = { ...file, outbox: [], rev: file.rev + 1 };
  if (await ports.files.replace(cleared, file.rev)) return cleared;
  return (await ports.files.get(file.fileId)) ?? cleared;
}
