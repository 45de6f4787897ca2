import { AuditHistory } from "@platform/events";
import { describe, expect, it } from "vitest";
import { encodeCursor, InvalidCursorError } from "../../src/cursor.ts";
import type { LedgerEntry } from "../../src/entry.ts";
import { history } from "../../src/history.ts";
import { FILE_ID, USER } from "../support/events.ts";
import { memoryLedger } from "../support/memory-ledger.ts";

const OTHER_FILE = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

function entry(n: number, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  const at = new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString();
  return {
    eventId: `00000000-0000-4000-8000-00000000000${n}`,
    at,
    recordedAt: at,
    type: "upload.file.requested",
    source: "platform.upload",
    action: `step-${n}`,
    actor: USER,
    fileId: FILE_ID,
    correlationId: "req-1",
    causationId: null,
    detail: { n },
    ...overrides,
  };
}

async function seeded() {
  const ledger = memoryLedger();
  // Appended out of order: the timeline is by time, not by arrival.
  for (const n of [3, 1, 4, 2, 5]) await ledger.append(entry(n));
  await ledger.append(entry(6, { fileId: OTHER_FILE, actor: { type: "service", id: "imaging" } }));
  return { ledger };
}

const input = (raw: unknown) => AuditHistory.input.parse(raw);

describe("history", () => {
  it("reads a file's timeline oldest first, a page at a time", async () => {
    const ports = await seeded();
    const first = await history(ports, input({ fileId: FILE_ID, limit: 2 }));
    expect(first.items.map((i) => i.action)).toEqual(["step-1", "step-2"]);
    expect(first.items[0]).toEqual({
      eventId: "00000000-0000-4000-8000-000000000001",
      at: "2025-01-01T00:00:01.000Z",
      actor: USER,
      action: "step-1",
      type: "upload.file.requested",
      fileId: FILE_ID,
      detail: { n: 1 },
    });
    const second = await history(
      ports,
      input({ fileId: FILE_ID, limit: 2, cursor: first.nextCursor }),
    );
    expect(second.items.map((i) => i.action)).toEqual(["step-3", "step-4"]);
    const last = await history(
      ports,
      input({ fileId: FILE_ID, limit: 2, cursor: second.nextCursor }),
    );
    expect(last.items.map((i) => i.action)).toEqual(["step-5"]);
    expect(last.nextCursor).toBeUndefined();
    expect(AuditHistory.output.parse(first)).toEqual(first);
  });

  it("reads a user's actions by default, another actor's when its type is given", async () => {
    const ports = await seeded();
    const mine = await history(ports, input({ actorId: "user-1" }));
    expect(mine.items).toHaveLength(5);
    const imaging = await history(ports, input({ actorId: "imaging", actorType: "service" }));
    expect(imaging.items.map((i) => i.fileId)).toEqual([OTHER_FILE]);
    expect(await history(ports, input({ actorId: "imaging" }))).toEqual({ items: [] });
  });

  it("refuses a cursor it did not issue", async () => {
    const ports = await seeded();
    await expect(history(ports, input({ fileId: FILE_ID, cursor: "bm90LWpzb24" }))).rejects.toThrow(
      new InvalidCursorError("not a cursor this service issued"),
    );
    const odd = encodeCursor({ pk: `file#${FILE_ID}`, sk: "x", extra: "y" });
    await expect(history(ports, input({ fileId: FILE_ID, cursor: odd }))).rejects.toThrow(
      "invalid cursor: not a cursor this service issued",
    );
  });

  it("refuses another query's cursor, so a page never reaches another file", async () => {
    const ports = await seeded();
    const { nextCursor } = await history(ports, input({ fileId: FILE_ID, limit: 1 }));
    await expect(history(ports, input({ fileId: OTHER_FILE, cursor: nextCursor }))).rejects.toThrow(
      "invalid cursor: it belongs to another query",
    );
    await expect(history(ports, input({ actorId: "user-1", cursor: nextCursor }))).rejects.toThrow(
      "invalid cursor: it belongs to another query",
    );
  });
});

describe("the audit.history contract", () => {
  it("reads forward", () => {
    expect(AuditHistory.description).toContain("oldest first");
  });

  it("takes a file or an actor, not both, and actorType only with an actorId", () => {
    expect(
      AuditHistory.input.safeParse({ fileId: FILE_ID, actorId: "user-1" }).error?.issues,
    ).toMatchObject([{ path: ["actorId"], message: "give a fileId or an actorId, not both" }]);
    expect(
      AuditHistory.input.safeParse({ fileId: FILE_ID, actorType: "service" }).error?.issues,
    ).toMatchObject([{ path: ["actorType"], message: "actorType only qualifies an actorId" }]);
  });

  it("refuses a cursor that cannot be one before the call reaches the ledger", () => {
    expect(
      AuditHistory.input.safeParse({ fileId: FILE_ID, cursor: "not a cursor!" }).error?.issues,
    ).toMatchObject([{ path: ["cursor"], message: "expected the nextCursor of an earlier page" }]);
  });
});
