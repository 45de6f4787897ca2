import { describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../src/entry.ts";
import { fileIdOfKey, instant, partitionOf } from "../../src/keys.ts";
import { FILE_ID, USER } from "../support/events.ts";

describe("fileIdOfKey", () => {
  it.each([
    `tmp/profile/user-1/${FILE_ID}_1735689600000.jpg`,
    `profile/user-1/origin/${FILE_ID}_1735689600000.jpg`,
    `feed/room-1/1080/${FILE_ID}_1735689600000.webp`,
  ])("finds the file of %s", (key) => {
    expect(fileIdOfKey(key)).toBe(FILE_ID);
  });

  it.each([
    "audit/dt=2025-01-01/00.jsonl",
    "tmp/profile/user-1/photo.jpg",
    "tmp/profile/user-1/not-a-uuid-at-all-not-a-uuid-at-all-x_1.jpg",
    `tmp/profile/user-1/${FILE_ID}.jpg`,
  ])("finds no file in %s", (key) => {
    expect(fileIdOfKey(key)).toBeUndefined();
  });
});

describe("partitionOf", () => {
  const base: LedgerEntry = {
    eventId: "e-1",
    at: "2025-01-01T00:00:00.000Z",
    recordedAt: "2025-01-01T00:00:01.000Z",
    type: "upload.file.requested",
    source: "platform.upload",
    action: "requested",
    actor: USER,
    correlationId: "req-1",
    causationId: null,
    detail: {},
  };

  it("puts a file's entries together, calls by operation, other objects by key", () => {
    expect(partitionOf({ ...base, fileId: FILE_ID })).toBe(`file#${FILE_ID}`);
    expect(partitionOf({ ...base, operation: "imaging.describe" })).toBe(
      "operation#imaging.describe",
    );
    expect(partitionOf({ ...base, objectKey: "elsewhere/x.txt" })).toBe("object#elsewhere/x.txt");
    expect(partitionOf(base)).toBe("type#upload.file.requested");
  });
});

describe("instant", () => {
  it("writes every time with milliseconds, so text order is time order", () => {
    expect(instant("2025-01-01T00:00:01Z")).toBe("2025-01-01T00:00:01.000Z");
    expect(instant("2025-01-01T00:00:01Z") > instant("2025-01-01T00:00:00.999Z")).toBe(true);
  });

  it("refuses what is not a time", () => {
    expect(() => instant("yesterday")).toThrow("not a time: yesterday");
  });
});
