import type { Principal } from "@platform/http-api";
import { describe, expect, it } from "vitest";
import { newFile } from "../../src/api/uploads.ts";
import { sweep } from "../../src/consumers/sweep.ts";
import { deleted, type FileRecord, multipartStarted } from "../../src/files.ts";
import { applyChange } from "../../src/lifecycle.ts";
import { CREATED_AT, FILE_ID, fakePorts, memoryFiles, memorySink, pendingFile } from "./fakes.ts";

const ALICE: Principal = { ownerId: "alice", actor: { type: "user", id: "alice" } };
/** 500 MB at 1 MiB/s: what a slow link may still be sending when the signature expires. */
const LARGE = 500_000_000;
const LARGE_ALLOWANCE_MS = 476_837;
const MINUTE = 60_000;

/** Ports whose clock a test moves by hand. */
function setup(...rows: FileRecord[]) {
  const files = memoryFiles(...rows);
  const events = memorySink();
  const clock = { now: new Date(CREATED_AT) };
  const ports = fakePorts({ files, events, now: () => clock.now });
  const at = (iso: string | number) => {
    clock.now = new Date(iso);
  };
  return { files, events, ports, at };
}

const declared = (size: number) =>
  newFile(fakePorts(), {
    declared: { filename: "clip.mp4", contentType: "video/mp4", size, purpose: "feed" },
    entityId: "alice",
    principal: ALICE,
    method: "POST",
    expiresIn: 300,
    correlationId: "req-1",
  });

const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe("a pending file's place on the sweep's index", () => {
  it("allows a large upload its transfer time after the signature expires", () => {
    const small = declared(1024);
    const large = declared(LARGE);

    expect(small.uploadExpiresAt).toBe(large.uploadExpiresAt);
    expect(small).toMatchObject({ sweepShard: "pending", sweepAt: small.uploadExpiresAt });
    expect(large).toMatchObject({
      sweepShard: "pending",
      sweepAt: plus(large.uploadExpiresAt, LARGE_ALLOWANCE_MS),
    });
  });

  it("keeps the allowance when a multipart upload widens the window", () => {
    const at = "2030-01-02T03:05:00.000Z";
    const started = multipartStarted(pendingFile({ size: LARGE }), "up-1", at, 24 * 3600);

    expect(started?.file.uploadExpiresAt).toBe("2030-01-03T03:05:00.000Z");
    expect(started?.file.sweepAt).toBe(plus("2030-01-03T03:05:00.000Z", LARGE_ALLOWANCE_MS));
  });
});

describe("the sweep of pending files", () => {
  const small = { ...declared(1024), fileId: "small", outbox: [] };
  const large = { ...declared(LARGE), fileId: "large", outbox: [] };
  const graceEnds = plus(small.uploadExpiresAt, 15 * MINUTE);

  it("expires a large file only once its transfer allowance has passed too", async () => {
    const { files, events, ports, at } = setup(small, large);

    at(plus(graceEnds, MINUTE));
    expect(await sweep(ports)).toEqual({ expired: ["small"], drained: [] });
    expect(files.rows.get("large")).toMatchObject({ status: "pending", sweepShard: "pending" });

    at(plus(graceEnds, LARGE_ALLOWANCE_MS + 1));
    expect(await sweep(ports)).toEqual({ expired: ["large"], drained: [] });
    expect(files.rows.get("large")?.status).toBe("expired");
    expect(events.published.map((e) => `${e.detailType} ${e.data.fileId}`)).toEqual([
      "upload.file.expired small",
      "upload.file.expired large",
    ]);
  });
});

describe("the sweep of events stranded after a final change", () => {
  const DELETED_AT = "2030-01-02T03:06:00.000Z";

  async function failedDelete() {
    const setUp = setup(pendingFile());
    setUp.at(DELETED_AT);
    setUp.events.failNext = 1;
    await expect(
      applyChange(setUp.ports, FILE_ID, (file) => deleted(file, ALICE.actor, DELETED_AT)),
    ).rejects.toThrow("the bus is unreachable");
    return setUp;
  }

  it("finds a deleted row whose publish failed marked as owing events", async () => {
    const { files, events } = await failedDelete();
    expect(events.published).toEqual([]);
    expect(files.rows.get(FILE_ID)).toMatchObject({
      status: "deleted",
      sweepShard: "outbox",
      sweepAt: DELETED_AT,
      outbox: [{ detailType: "upload.file.deleted", eventId: "id-1" }],
    });
  });

  it("leaves an outbox younger than a minute to the writer still publishing it", async () => {
    const { files, events, ports, at } = await failedDelete();
    at(plus(DELETED_AT, MINUTE - 1));

    expect(await sweep(ports)).toEqual({ expired: [], drained: [] });
    expect(events.published).toEqual([]);
    expect(files.rows.get(FILE_ID)?.sweepShard).toBe("outbox");
  });

  it("publishes the stranded event under the same id and clears the mark", async () => {
    const { files, events, ports, at } = await failedDelete();
    at(plus(DELETED_AT, MINUTE + 1));

    expect(await sweep(ports)).toEqual({ expired: [], drained: [FILE_ID] });

    expect(events.published.map((e) => `${e.detailType} ${e.eventId}`)).toEqual([
      "upload.file.deleted id-1",
    ]);
    const row = files.rows.get(FILE_ID);
    expect(row).toMatchObject({ status: "deleted", outbox: [] });
    expect(row?.sweepShard).toBeUndefined();
    expect(row?.sweepAt).toBeUndefined();
    expect(await sweep(ports)).toEqual({ expired: [], drained: [] });
  });

  it("publishes an expiry whose own publish failed on a later run", async () => {
    const { files, events, ports, at } = setup(pendingFile());
    const sweptAt = plus(pendingFile().uploadExpiresAt, 16 * MINUTE);
    at(sweptAt);
    events.failNext = 1;
    await expect(sweep(ports)).rejects.toThrow("the bus is unreachable");
    expect(files.rows.get(FILE_ID)).toMatchObject({
      status: "expired",
      sweepShard: "outbox",
      sweepAt: sweptAt,
    });

    at(plus(sweptAt, MINUTE + 1));
    expect(await sweep(ports)).toEqual({ expired: [], drained: [FILE_ID] });
    expect(events.published.map((e) => `${e.detailType} ${e.eventId}`)).toEqual([
      "upload.file.expired id-1",
    ]);
    expect(files.rows.get(FILE_ID)?.sweepShard).toBeUndefined();
  });
});
