import type { FileRecord, OutboxEvent } from "../../src/files.ts";
import type { EventSink, FilesStore, Operations, Ports, Storage } from "../../src/ports.ts";

// Small in-memory stand-ins for the ports, for unit tests of one module at a time.

export const FILE_ID = "0b6a4c1e-7f3d-4a8e-9c2b-5d1e8f7a6b3c";
export const CREATED_AT = "2030-01-02T03:04:05.000Z";

/** A pending 1 KiB profile picture, as POST /uploads records it (outbox already published). */
export function pendingFile(overrides: Partial<FileRecord> = {}): FileRecord {
  return {
    fileId: FILE_ID,
    ownerId: "alice",
    ownerScope: "alice#profile#alice",
    actor: { type: "user", id: "alice" },
    purpose: "profile",
    entityId: "alice",
    filename: "me.jpg",
    contentType: "image/jpeg",
    size: 1024,
    method: "POST",
    status: "pending",
    key: `tmp/profile/alice/${FILE_ID}_${Date.parse(CREATED_AT)}.jpg`,
    correlationId: "req-1",
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    uploadExpiresAt: "2030-01-02T03:09:05.000Z",
    progress: { done: 0, total: 0 },
    variants: [],
    rev: 1,
    outbox: [],
    sweepShard: "pending",
    sweepAt: "2030-01-02T03:09:05.000Z",
    ...overrides,
  };
}

export interface MemoryFiles extends FilesStore {
  rows: Map<string, FileRecord>;
  /** Runs before each conditional write; return false to make that write lose a race. */
  beforeReplace?: (file: FileRecord, expectedRev: number) => boolean | undefined;
}

/** The files table as a map, with the same revision check as the DynamoDB condition. */
export function memoryFiles(...initial: FileRecord[]): MemoryFiles {
  const rows = new Map(initial.map((file) => [file.fileId, structuredClone(file)]));
  // The sparse index: only rows carrying the shard, oldest sweepAt first.
  const onSweepIndex = (shard: FileRecord["sweepShard"], before: string, limit: number) =>
    [...rows.values()]
      .filter((row) => row.sweepShard === shard && (row.sweepAt ?? "") < before)
      .sort((a, b) => (a.sweepAt ?? "").localeCompare(b.sweepAt ?? ""))
      .slice(0, limit)
      .map((row) => structuredClone(row));
  const store: MemoryFiles = {
    rows,
    async create(file) {
      if (rows.has(file.fileId)) throw new Error(`file ${file.fileId} already exists`);
      rows.set(file.fileId, structuredClone(file));
    },
    async get(fileId) {
      const row = rows.get(fileId);
      return row && structuredClone(row);
    },
    async replace(file, expectedRev) {
      if (store.beforeReplace?.(file, expectedRev) === false) return false;
      if (rows.get(file.fileId)?.rev !== expectedRev) return false;
      rows.set(file.fileId, structuredClone(file));
      return true;
    },
    async list() {
      return { items: [...rows.values()].map((row) => structuredClone(row)) };
    },
    async duePending(before, limit) {
      return onSweepIndex("pending", before, limit);
    },
    async strandedOutboxes(before, limit) {
      return onSweepIndex("outbox", before, limit);
    },
  };
  return store;
}

export interface MemorySink extends EventSink {
  published: OutboxEvent[];
  /** How many of the next publish calls fail, as a crash after the row was written would. */
  failNext: number;
}

export function memorySink(): MemorySink {
  const sink: MemorySink = {
    published: [],
    failNext: 0,
    async publish(events) {
      if (sink.failNext > 0) {
        sink.failNext--;
        throw new Error("the bus is unreachable");
      }
      sink.published.push(...structuredClone(events));
    },
  };
  return sink;
}

/** Ids `id-1`, `id-2`, ... in order, so a test can name the id an event was given. */
export function sequentialIds(): () => string {
  let next = 0;
  return () => `id-${++next}`;
}

const unused = (name: string) => () => {
  throw new Error(`storage.${name} was not expected in this test`);
};

/** Storage whose every call fails, for routes that must not reach the bucket. */
export const noStorage: Storage = {
  bucket: "uploads",
  presignPost: unused("presignPost"),
  presignPut: unused("presignPut"),
  presignGet: unused("presignGet"),
  head: unused("head"),
  sha256: unused("sha256"),
  put: unused("put"),
  deleteAll: unused("deleteAll"),
  createMultipart: unused("createMultipart"),
  presignPart: unused("presignPart"),
  listParts: unused("listParts"),
  completeMultipart: unused("completeMultipart"),
  abortMultipart: unused("abortMultipart"),
};

/** Operations whose every call fails the test, for routes that must not call other services. */
export const noOperations: Operations = {
  describeImage: async () => {
    throw new Error("operations.describeImage was not expected in this test");
  },
  fileHistory: async () => {
    throw new Error("operations.fileHistory was not expected in this test");
  },
};

export function fakePorts(overrides: Partial<Ports> = {}): Ports {
  return {
    files: memoryFiles(),
    storage: noStorage,
    events: memorySink(),
    operations: noOperations,
    now: () => new Date(CREATED_AT),
    newId: sequentialIds(),
    ...overrides,
  };
}
