import { describe, expect, it } from "vitest";
import {
  type ArrivedObject,
  type FileRecord,
  type OutboxEvent,
  objectArrived,
  progressed,
} from "../../src/files.ts";
import { applyChange, ConflictError } from "../../src/lifecycle.ts";
import { FILE_ID, memoryFiles, memorySink, pendingFile, sequentialIds } from "./fakes.ts";

const AT = "2030-01-02T03:06:00.000Z";
/** The clock applyChange reads when it writes. */
const NOW = "2030-01-02T03:06:01.000Z";

function setup(file: FileRecord = pendingFile()) {
  const files = memoryFiles(file);
  const events = memorySink();
  return {
    files,
    events,
    ports: { files, events, newId: sequentialIds(), now: () => new Date(NOW) },
  };
}

const bytes = (file: FileRecord): ArrivedObject => ({
  bucket: "uploads",
  key: file.key,
  size: file.size,
  etag: "etag-1",
  contentType: file.contentType,
  sha256Matches: undefined,
});
const arrive = (file: FileRecord) => objectArrived(file, bytes(file), AT, "s3-event-1");
const ids = (events: OutboxEvent[]) => events.map((e) => `${e.detailType} ${e.eventId}`);
const stored = (files: ReturnType<typeof memoryFiles>) => files.rows.get(FILE_ID);

describe("applyChange", () => {
  it("writes the change, publishes its events once under the ids recorded, then clears them", async () => {
    const { files, events, ports } = setup();

    const result = await applyChange(ports, FILE_ID, arrive);

    expect(result?.changed).toBe(true);
    expect(result?.file).toMatchObject({ status: "uploaded", outbox: [] });
    expect(ids(events.published)).toEqual(["upload.file.uploaded id-1"]);
    // One revision for the change, one for clearing its outbox.
    expect(stored(files)).toMatchObject({ status: "uploaded", rev: 3, outbox: [] });
    // Nothing owed and no longer pending: off the sweep's index.
    expect(stored(files)?.sweepShard).toBeUndefined();
    expect(stored(files)?.sweepAt).toBeUndefined();
  });

  it("publishes nothing more when the same event is applied again", async () => {
    const { events, ports } = setup();
    await applyChange(ports, FILE_ID, arrive);

    const again = await applyChange(ports, FILE_ID, arrive);

    expect(again?.changed).toBe(false);
    expect(ids(events.published)).toEqual(["upload.file.uploaded id-1"]);
  });

  it("writes nothing when nothing is decided", async () => {
    const { files, events, ports } = setup();

    const result = await applyChange(ports, FILE_ID, () => undefined);

    expect(result).toEqual({ file: pendingFile(), changed: false });
    expect(stored(files)?.rev).toBe(1);
    expect(events.published).toEqual([]);
  });

  it("answers undefined for a file that does not exist, without deciding", async () => {
    const { ports } = setup();
    let decided = false;
    const result = await applyChange(ports, "no-such-file", () => {
      decided = true;
      return undefined;
    });
    expect(result).toBeUndefined();
    expect(decided).toBe(false);
  });
});

describe("applyChange after a crash between the write and the publish", () => {
  async function crashAfterWrite() {
    const setUp = setup();
    setUp.events.failNext = 1;
    await expect(applyChange(setUp.ports, FILE_ID, arrive)).rejects.toThrow(
      "the bus is unreachable",
    );
    return setUp;
  }

  it("leaves the change and its events in the row", async () => {
    const { files, events } = await crashAfterWrite();
    expect(events.published).toEqual([]);
    expect(stored(files)?.status).toBe("uploaded");
    expect(ids(stored(files)?.outbox ?? [])).toEqual(["upload.file.uploaded id-1"]);
  });

  it("marks the row on the sweep's index as owing events since it was written", async () => {
    const { files } = await crashAfterWrite();
    expect(stored(files)).toMatchObject({ sweepShard: "outbox", sweepAt: NOW });
  });

  it("publishes the same event ids on the next change, even one that decides nothing", async () => {
    const { files, events, ports } = await crashAfterWrite();

    const result = await applyChange(ports, FILE_ID, () => undefined);

    expect(result?.changed).toBe(false);
    expect(ids(events.published)).toEqual(["upload.file.uploaded id-1"]);
    expect(stored(files)?.outbox).toEqual([]);
    expect(stored(files)?.sweepShard).toBeUndefined();
    expect(stored(files)?.sweepAt).toBeUndefined();
  });

  it("keeps the first mark while the events stay owed across later changes", async () => {
    const { files, events, ports } = await crashAfterWrite();
    const writes: FileRecord[] = [];
    // The clearing write loses a race, so the change after it still carries the events.
    files.beforeReplace = (file) => {
      writes.push(structuredClone(file));
      return writes.length === 1 ? false : undefined;
    };
    const later = { ...ports, now: () => new Date("2030-01-02T03:20:00.000Z") };

    await applyChange(later, FILE_ID, (file) => progressed(file, { done: 1, total: 2 }, AT));

    expect(writes[1]).toMatchObject({
      status: "processing",
      outbox: [{ eventId: "id-1" }],
      sweepShard: "outbox",
      sweepAt: NOW,
    });
    expect(ids(events.published)).toEqual([
      "upload.file.uploaded id-1",
      "upload.file.uploaded id-1",
    ]);
    expect(stored(files)?.sweepShard).toBeUndefined();
  });

  it("leaves a pending row on the pending shard, where expiry flushes what it owes", async () => {
    const pending = pendingFile();
    const { files, events, ports } = setup(pending);
    events.failNext = 1;
    const owes = (file: FileRecord) => ({
      file: { ...file, updatedAt: AT },
      events: [
        {
          detailType: "upload.file.requested",
          data: {},
          actor: file.actor,
          causationId: null,
        },
      ],
    });

    await expect(applyChange(ports, FILE_ID, owes)).rejects.toThrow("the bus is unreachable");

    expect(stored(files)).toMatchObject({
      status: "pending",
      sweepShard: "pending",
      sweepAt: pending.sweepAt,
      outbox: [{ eventId: "id-1" }],
    });
  });

  it("publishes them once when the same event is retried", async () => {
    const { files, events, ports } = await crashAfterWrite();

    const retry = await applyChange(ports, FILE_ID, arrive);

    expect(retry?.changed).toBe(false);
    expect(ids(events.published)).toEqual(["upload.file.uploaded id-1"]);
    expect(stored(files)).toMatchObject({ status: "uploaded", outbox: [] });
  });
});

describe("applyChange with concurrent writers", () => {
  it("re-reads and decides again when another writer moved the row on", async () => {
    const { files, events, ports } = setup();
    let raced = false;
    files.beforeReplace = (file) => {
      if (raced) return undefined;
      raced = true;
      // Imaging's progress lands between our read and our write.
      const theirs = progressed(pendingFile(), { done: 1, total: 2 }, AT);
      files.rows.set(file.fileId, { ...pendingFile(), ...theirs?.file, rev: 2 });
      return undefined;
    };
    const seen: string[] = [];

    const result = await applyChange(ports, FILE_ID, (file) => {
      seen.push(file.status);
      return arrive(file);
    });

    expect(seen).toEqual(["pending", "processing"]);
    expect(result?.file).toMatchObject({
      status: "processing",
      progress: { done: 1, total: 2 },
      uploaded: { etag: "etag-1" },
    });
    // The losing attempt's event (id-1) is never published.
    expect(ids(events.published)).toEqual(["upload.file.uploaded id-2"]);
  });

  it("keeps the events a crashed winner still owes", async () => {
    const owed: OutboxEvent = {
      detailType: "upload.file.requested",
      eventId: "theirs",
      data: {},
      actor: { type: "user", id: "alice" },
      causationId: null,
    };
    const { files, events, ports } = setup(
      pendingFile({ rev: 2, outbox: [{ ...owed, eventId: "old" }] }),
    );
    let raced = false;
    files.beforeReplace = (file) => {
      if (raced) return undefined;
      raced = true;
      // While we clear the old outbox, a writer records its own events and dies before publishing.
      files.rows.set(file.fileId, { ...pendingFile(), rev: 3, outbox: [owed] });
      return undefined;
    };

    await applyChange(ports, FILE_ID, arrive);

    expect(events.published.map((e) => e.eventId)).toEqual(["old", "theirs", "id-1"]);
    expect(stored(files)?.outbox).toEqual([]);
  });

  it("gives up with ConflictError when the row keeps changing", async () => {
    const { files, events, ports } = setup();
    files.beforeReplace = () => false;
    let attempts = 0;

    const result = applyChange(ports, FILE_ID, (file) => {
      attempts++;
      return arrive(file);
    });

    await expect(result).rejects.toBeInstanceOf(ConflictError);
    await expect(result).rejects.toThrow(`file ${FILE_ID} kept changing`);
    expect(attempts).toBe(8);
    expect(events.published).toEqual([]);
    expect(stored(files)).toEqual(pendingFile());
  });
});
