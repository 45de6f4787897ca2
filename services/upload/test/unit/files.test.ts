import type { Variant } from "@platform/events";
import { describe, expect, it } from "vitest";
import {
  type ArrivedObject,
  type Change,
  deleted,
  expired,
  type FileRecord,
  type FileStatus,
  imagingRejected,
  keysOf,
  type Original,
  objectArrived,
  progressed,
  RETAIN_ENDED_SECONDS,
  variantsCreated,
} from "../../src/files.ts";
import { pendingFile } from "./fakes.ts";

const AT = "2030-01-02T03:06:00.000Z";
const LATER = "2030-01-02T03:07:00.000Z";
const OWNER = { type: "user" as const, id: "alice" };

const arrival = (file: FileRecord, overrides: Partial<ArrivedObject> = {}): ArrivedObject => ({
  bucket: "uploads",
  key: file.key,
  size: file.size,
  etag: "etag-1",
  contentType: file.contentType,
  sha256Matches: undefined,
  ...overrides,
});

const ORIGINAL: Original = {
  key: "profile/alice/origin/me.jpg",
  size: 1000,
  contentType: "image/jpeg",
  width: 800,
  height: 600,
};
const variant = (name: string, key = `profile/alice/${name}/me.webp`): Variant => ({
  name,
  key,
  width: 100,
  height: 100,
  format: "webp",
  size: 10,
});
const VARIANTS = [variant("small"), variant("large")];

/** The row after a change that must happen. */
function applied(change: Change | undefined): FileRecord {
  if (!change) throw new Error("expected a change, got none");
  return change.file;
}

const uploadedFile = () => applied(objectArrived(pendingFile(), arrival(pendingFile()), AT, null));
const processingFile = (done = 1, total = 3) =>
  applied(progressed(uploadedFile(), { done, total }, AT));
const readyFile = () =>
  applied(variantsCreated(processingFile(), { original: ORIGINAL, variants: VARIANTS }, AT, null));
const rejectedFile = () =>
  applied(imagingRejected(processingFile(), { code: "not_an_image", message: "no" }, AT, null));
const deletedFile = () => applied(deleted(uploadedFile(), OWNER, AT));
const expiredFile = () => applied(expired(pendingFile(), AT));

describe("objectArrived", () => {
  it("marks a pending file uploaded, records the arrival and announces it", () => {
    const file = pendingFile();
    const change = objectArrived(file, arrival(file), AT, "s3-event-1");

    expect(change?.file).toMatchObject({
      status: "uploaded",
      updatedAt: AT,
      uploaded: { etag: "etag-1", size: 1024, at: AT },
    });
    // No longer pending, so the sweep's sparse index drops it.
    expect(change?.file.sweepShard).toBeUndefined();
    expect(change?.file.sweepAt).toBeUndefined();
    expect(change?.events).toEqual([
      {
        detailType: "upload.file.uploaded",
        data: {
          fileId: file.fileId,
          ownerId: "alice",
          purpose: "profile",
          entityId: "alice",
          bucket: "uploads",
          key: file.key,
          size: 1024,
          etag: "etag-1",
          contentType: "image/jpeg",
        },
        actor: file.actor,
        causationId: "s3-event-1",
      },
    ]);
  });

  it("accepts bytes that hash to the declared sha256", () => {
    const file = pendingFile({ sha256: "ab".repeat(32) });
    expect(objectArrived(file, arrival(file, { sha256Matches: true }), AT, null)?.file.status).toBe(
      "uploaded",
    );
  });

  it("accepts an object whose stored content type is unknown", () => {
    const file = pendingFile();
    const change = objectArrived(file, arrival(file, { contentType: undefined }), AT, null);
    expect(change?.file.status).toBe("uploaded");
  });

  it.each([
    ["size_mismatch", { size: 1000 }, "declared 1024 bytes, received 1000"],
    ["type_mismatch", { contentType: "image/png" }, "declared image/jpeg, stored as image/png"],
    ["checksum_mismatch", { sha256Matches: false }, "the bytes do not match the declared sha256"],
  ] as const)("rejects bytes that differ from the declaration: %s", (code, differs, message) => {
    const file = pendingFile({ sha256: "ab".repeat(32) });
    const change = objectArrived(file, arrival(file, differs), AT, "s3-event-1");

    expect(change?.file).toMatchObject({ status: "rejected", error: { code, message } });
    expect(change?.file.uploaded).toMatchObject({ etag: "etag-1", at: AT });
    expect(change?.file.sweepShard).toBeUndefined();
    expect(change?.events).toEqual([
      {
        detailType: "upload.file.rejected",
        data: {
          fileId: file.fileId,
          ownerId: "alice",
          purpose: "profile",
          entityId: "alice",
          reason: code,
          message,
        },
        actor: { type: "service", id: "upload" },
        causationId: "s3-event-1",
      },
    ]);
  });

  it("changes nothing when the same arrival is reported again", () => {
    const file = uploadedFile();
    expect(objectArrived(file, arrival(file), LATER, "s3-event-2")).toBeUndefined();
  });

  it("changes nothing for an object under another key", () => {
    const file = pendingFile();
    const other = file.key.replace(".jpg", ".png");
    expect(objectArrived(file, arrival(file, { key: other }), AT, null)).toBeUndefined();
  });

  it("keeps a file imaging already moved to processing there, but records the arrival", () => {
    const file = applied(progressed(pendingFile(), { done: 1, total: 3 }, AT));
    const change = objectArrived(file, arrival(file), LATER, null);

    expect(change?.file.status).toBe("processing");
    expect(change?.file.progress).toEqual({ done: 1, total: 3 });
    expect(change?.file.uploaded).toEqual({ etag: "etag-1", size: 1024, at: LATER });
    expect(change?.events.map((e) => e.detailType)).toEqual(["upload.file.uploaded"]);
  });

  it("changes nothing on a ready file, even one made ready before its arrival was checked", () => {
    const readyUnchecked = pendingFile({
      status: "ready",
      original: ORIGINAL,
      variants: VARIANTS,
      progress: { done: 2, total: 2 },
    });
    expect(objectArrived(readyUnchecked, arrival(readyUnchecked), LATER, null)).toBeUndefined();
    expect(
      objectArrived(readyUnchecked, arrival(readyUnchecked, { size: 1 }), LATER, null),
    ).toBeUndefined();
  });

  it("records the bytes of a file imaging already refused, without announcing anything again", () => {
    const refused = applied(
      imagingRejected(pendingFile(), { code: "not_an_image", message: "no" }, AT, null),
    );
    const change = objectArrived(refused, arrival(refused, { size: 1 }), LATER, null);

    expect(change?.file.status).toBe("rejected");
    expect(change?.file.error).toEqual({ code: "not_an_image", message: "no" });
    expect(change?.file.uploaded).toMatchObject({ size: 1 });
    expect(change?.events).toEqual([]);
  });

  it.each([
    ["deleted", deletedFile],
    ["expired", expiredFile],
  ])("changes nothing once the file is %s", (_, ended) => {
    const file = ended();
    expect(objectArrived(file, arrival(file), LATER, null)).toBeUndefined();
  });
});

describe("progressed", () => {
  it("moves an uploaded file to processing with imaging's progress, announcing nothing", () => {
    const change = progressed(uploadedFile(), { done: 1, total: 3 }, LATER);
    expect(change?.file).toMatchObject({
      status: "processing",
      progress: { done: 1, total: 3 },
      updatedAt: LATER,
    });
    expect(change?.events).toEqual([]);
  });

  it("moves a file whose arrival is not seen yet to processing", () => {
    const change = progressed(pendingFile(), { done: 0, total: 3 }, AT);
    expect(change?.file.status).toBe("processing");
    expect(change?.file.sweepShard).toBeUndefined();
  });

  it("never goes backwards", () => {
    const file = processingFile(2, 3);
    expect(progressed(file, { done: 1, total: 3 }, LATER)).toBeUndefined();
    expect(progressed(file, { done: 1, total: 2 }, LATER)).toBeUndefined();
  });

  it("does not count a repeated report twice", () => {
    const file = processingFile(1, 3);
    expect(progressed(file, { done: 1, total: 3 }, LATER)).toBeUndefined();
    expect(file.progress).toEqual({ done: 1, total: 3 });
  });

  it("takes whichever of done and total moved forward", () => {
    const change = progressed(processingFile(2, 3), { done: 1, total: 5 }, LATER);
    expect(change?.file.progress).toEqual({ done: 2, total: 5 });
  });

  it.each([
    ["ready", readyFile],
    ["rejected", rejectedFile],
    ["deleted", deletedFile],
    ["expired", expiredFile],
  ])("is ignored once the file is %s", (_, final) => {
    expect(progressed(final(), { done: 9, total: 9 }, LATER)).toBeUndefined();
  });
});

describe("variantsCreated", () => {
  it("makes the file ready with its original and variants, progress complete", () => {
    const file = processingFile(1, 3);
    const change = variantsCreated(
      file,
      { original: ORIGINAL, variants: VARIANTS },
      LATER,
      "imaging-1",
    );

    expect(change?.file).toMatchObject({
      status: "ready",
      original: ORIGINAL,
      variants: VARIANTS,
      progress: { done: 3, total: 3 },
      updatedAt: LATER,
    });
    expect(change?.events).toEqual([
      {
        detailType: "upload.file.ready",
        data: {
          fileId: file.fileId,
          ownerId: "alice",
          purpose: "profile",
          entityId: "alice",
          original: { key: ORIGINAL.key, size: 1000, contentType: "image/jpeg" },
          variants: VARIANTS,
        },
        actor: { type: "service", id: "upload" },
        causationId: "imaging-1",
      },
    ]);
  });

  it("counts the variants as the total when no progress was reported", () => {
    const change = variantsCreated(
      uploadedFile(),
      { original: ORIGINAL, variants: VARIANTS },
      AT,
      null,
    );
    expect(change?.file.progress).toEqual({ done: 2, total: 2 });
  });

  it.each([
    ["ready", readyFile],
    ["rejected", rejectedFile],
    ["deleted", deletedFile],
    ["expired", expiredFile],
  ])("is ignored once the file is %s", (_, final) => {
    const again = { original: ORIGINAL, variants: [variant("other")] };
    expect(variantsCreated(final(), again, LATER, null)).toBeUndefined();
  });
});

describe("imaging's result before the arrival is checked", () => {
  const madeBeforeArrival = () =>
    applied(variantsCreated(pendingFile(), { original: ORIGINAL, variants: VARIANTS }, AT, null));

  it("keeps the original and variants but goes no further than processing, announcing nothing", () => {
    const change = variantsCreated(
      pendingFile(),
      { original: ORIGINAL, variants: VARIANTS },
      AT,
      "imaging-1",
    );

    expect(change?.file).toMatchObject({
      status: "processing",
      original: ORIGINAL,
      variants: VARIANTS,
      progress: { done: 2, total: 2 },
      updatedAt: AT,
    });
    expect(change?.file.uploaded).toBeUndefined();
    expect(change?.file.sweepShard).toBeUndefined();
    expect(change?.events).toEqual([]);
  });

  it("changes nothing when the same result is reported again", () => {
    const again = { original: ORIGINAL, variants: VARIANTS };
    expect(variantsCreated(madeBeforeArrival(), again, LATER, "imaging-1")).toBeUndefined();
  });

  it("makes the file ready once the arrival passes its checks, announcing uploaded then ready", () => {
    const file = madeBeforeArrival();
    const change = objectArrived(file, arrival(file), LATER, "s3-event-1");

    expect(change?.file).toMatchObject({
      status: "ready",
      original: ORIGINAL,
      variants: VARIANTS,
      uploaded: { etag: "etag-1", size: 1024, at: LATER },
      updatedAt: LATER,
    });
    expect(change?.events).toEqual([
      {
        detailType: "upload.file.uploaded",
        data: {
          fileId: file.fileId,
          ownerId: "alice",
          purpose: "profile",
          entityId: "alice",
          bucket: "uploads",
          key: file.key,
          size: 1024,
          etag: "etag-1",
          contentType: "image/jpeg",
        },
        actor: file.actor,
        causationId: "s3-event-1",
      },
      {
        detailType: "upload.file.ready",
        data: {
          fileId: file.fileId,
          ownerId: "alice",
          purpose: "profile",
          entityId: "alice",
          original: { key: ORIGINAL.key, size: 1000, contentType: "image/jpeg" },
          variants: VARIANTS,
        },
        actor: { type: "service", id: "upload" },
        causationId: "s3-event-1",
      },
    ]);
  });

  it("rejects the file when the arrival fails its checks, keeping the promoted keys to remove", () => {
    const made = variantsCreated(
      pendingFile(),
      { original: ORIGINAL, variants: VARIANTS },
      AT,
      null,
    );
    const file = applied(made);
    const change = objectArrived(file, arrival(file, { size: 1000 }), LATER, "s3-event-1");

    expect(change?.file).toMatchObject({
      status: "rejected",
      error: { code: "size_mismatch", message: "declared 1024 bytes, received 1000" },
      uploaded: { etag: "etag-1", size: 1000, at: LATER },
    });
    // Never announced ready, before or after.
    expect([...(made?.events ?? []), ...(change?.events ?? [])].map((e) => e.detailType)).toEqual([
      "upload.file.rejected",
    ]);
    expect(keysOf(applied(change))).toEqual([
      file.key,
      ORIGINAL.key,
      ...VARIANTS.map((v) => v.key),
    ]);
  });
});

describe("imagingRejected", () => {
  it("rejects the file with imaging's reason and announces it", () => {
    const file = processingFile();
    const change = imagingRejected(
      file,
      { code: "not_an_image", message: "cannot decode" },
      LATER,
      "imaging-2",
    );

    expect(change?.file).toMatchObject({
      status: "rejected",
      error: { code: "not_an_image", message: "cannot decode" },
    });
    expect(change?.events).toEqual([
      {
        detailType: "upload.file.rejected",
        data: {
          fileId: file.fileId,
          ownerId: "alice",
          purpose: "profile",
          entityId: "alice",
          reason: "not_an_image",
          message: "cannot decode",
        },
        actor: { type: "service", id: "upload" },
        causationId: "imaging-2",
      },
    ]);
  });

  it.each([
    ["ready", readyFile],
    ["rejected", rejectedFile],
    ["deleted", deletedFile],
    ["expired", expiredFile],
  ])("is ignored once the file is %s", (_, final) => {
    expect(
      imagingRejected(final(), { code: "late", message: "late" }, LATER, null),
    ).toBeUndefined();
  });
});

describe("deleted", () => {
  it.each([
    ["pending", pendingFile],
    ["uploaded", uploadedFile],
    ["processing", () => processingFile()],
    ["ready", readyFile],
    ["rejected", rejectedFile],
    ["expired", expiredFile],
  ])("ends a %s file and announces every key to remove", (_, make) => {
    const file = make();
    const change = deleted(file, OWNER, LATER);

    expect(change?.file.status).toBe("deleted");
    expect(change?.file.updatedAt).toBe(LATER);
    expect(change?.file.expiresAt).toBe(Date.parse(LATER) / 1000 + RETAIN_ENDED_SECONDS);
    expect(change?.file.sweepShard).toBeUndefined();
    expect(change?.events).toEqual([
      {
        detailType: "upload.file.deleted",
        data: {
          fileId: file.fileId,
          ownerId: "alice",
          purpose: "profile",
          entityId: "alice",
          keys: keysOf(file),
        },
        actor: OWNER,
        causationId: null,
      },
    ]);
  });

  it("changes nothing when the file is deleted again", () => {
    expect(deleted(deletedFile(), OWNER, LATER)).toBeUndefined();
  });

  it("lists the tmp key, the original and every variant, each once", () => {
    const file = pendingFile({
      original: ORIGINAL,
      variants: [variant("small"), variant("large"), variant("copy", ORIGINAL.key)],
    });
    expect(keysOf(file)).toEqual([
      file.key,
      ORIGINAL.key,
      "profile/alice/small/me.webp",
      "profile/alice/large/me.webp",
    ]);
    expect(keysOf(pendingFile())).toEqual([pendingFile().key]);
  });
});

describe("expired", () => {
  it("ends a pending file whose bytes never came and announces it", () => {
    const file = pendingFile();
    const change = expired(file, LATER);

    expect(change?.file).toMatchObject({
      status: "expired",
      updatedAt: LATER,
      expiresAt: Date.parse(LATER) / 1000 + RETAIN_ENDED_SECONDS,
    });
    expect(change?.file.sweepShard).toBeUndefined();
    expect(change?.file.sweepAt).toBeUndefined();
    expect(change?.events).toEqual([
      {
        detailType: "upload.file.expired",
        data: {
          fileId: file.fileId,
          ownerId: "alice",
          purpose: "profile",
          entityId: "alice",
          key: file.key,
          stage: "pending",
        },
        actor: { type: "service", id: "upload" },
        causationId: null,
      },
    ]);
  });

  it("leaves a pending row whose bytes were seen", () => {
    const file = pendingFile({ uploaded: { etag: "etag-1", size: 1024, at: AT } });
    expect(expired(file, LATER)).toBeUndefined();
  });

  it.each([
    ["uploaded", uploadedFile],
    ["processing", () => processingFile()],
    ["ready", readyFile],
    ["rejected", rejectedFile],
    ["deleted", deletedFile],
    ["expired", expiredFile],
  ])("leaves a %s file alone", (_, make) => {
    expect(expired(make(), LATER)).toBeUndefined();
  });
});

describe("any order of events", () => {
  // The contract's order: a status may only move to a higher rank.
  const RANK: Record<FileStatus, number> = {
    pending: 0,
    uploaded: 1,
    processing: 2,
    ready: 3,
    rejected: 3,
    deleted: 4,
    expired: 4,
  };

  function permutations<T>(items: T[]): T[][] {
    if (items.length <= 1) return [items];
    return items.flatMap((item, i) =>
      permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
    );
  }

  type Step = [name: string, (file: FileRecord) => Change | undefined];
  const imagingSteps: Step[] = [
    ["progress 1/2", (f) => progressed(f, { done: 1, total: 2 }, AT)],
    ["progress 2/2", (f) => progressed(f, { done: 2, total: 2 }, AT)],
    ["variants", (f) => variantsCreated(f, { original: ORIGINAL, variants: VARIANTS }, AT, null)],
    ["imaging rejects", (f) => imagingRejected(f, { code: "bad", message: "bad" }, AT, null)],
    ["deleted", (f) => deleted(f, OWNER, AT)],
    ["expired", (f) => expired(f, AT)],
  ];

  /** What is wrong with one sequence of events, each delivered twice in a row. */
  function violations(steps: Step[]): string[] {
    const found: string[] = [];
    const announced = new Set<string>();
    let file = pendingFile();
    for (const [name, step] of steps) {
      const change = step(file);
      if (!change) continue;
      const next = change.file;
      if (file.status === "deleted") found.push(`${name} changed a deleted file`);
      if (RANK[next.status] < RANK[file.status])
        found.push(`${name} moved ${file.status} back to ${next.status}`);
      if (file.status === "ready" && next.status === "rejected")
        found.push(`${name} moved ready to rejected`);
      if (next.status === "ready" && !next.uploaded)
        found.push(`${name} made the file ready before its arrival was checked`);
      if (next.progress.done < file.progress.done || next.progress.total < file.progress.total)
        found.push(`${name} lowered the progress`);
      for (const { detailType } of change.events) {
        if (announced.has(detailType)) found.push(`${name} announced ${detailType} again`);
        if (detailType === "upload.file.ready" && !announced.has("upload.file.uploaded"))
          found.push(`${name} announced ready before uploaded`);
        announced.add(detailType);
      }
      if (step(next)) found.push(`${name} changed the file again when repeated`);
      file = next;
    }
    if (announced.has("upload.file.uploaded") && announced.has("upload.file.expired"))
      found.push("a file was both uploaded and expired");
    return found;
  }

  it.each([
    ["matching bytes", {}],
    ["bytes of the wrong size", { size: 1 }],
  ])("never lowers the status, the progress, or announces twice, with %s", (_, bytes) => {
    const arrive: Step = ["arrival", (f) => objectArrived(f, arrival(f, bytes), AT, null)];
    const sequences = permutations([arrive, ...imagingSteps]);
    const failures = sequences.flatMap((steps) =>
      violations(steps).map((v) => `${steps.map(([n]) => n).join(" > ")}: ${v}`),
    );
    expect(sequences).toHaveLength(5040);
    expect(failures).toEqual([]);
  });
});
