import { describe, expect, expectTypeOf, it } from "vitest";
import {
  EventValidationError,
  FileReady,
  FileRejected,
  ImagingProgressUpdated,
  isVersion,
  parse,
  S3ObjectCreated,
  safeParse,
} from "../src/index.ts";
import {
  EVENT_ID,
  eventBridgeEvent,
  metadata,
  platformEvent,
  Renamed,
  validData,
} from "./fixtures.ts";

const readyData = validData["upload.file.ready"];
const readyEvent = () => platformEvent(FileReady, structuredClone(readyData));

/** Runs parse and returns the EventValidationError it must throw. */
function validationError(run: () => unknown): EventValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof EventValidationError) return error;
    throw error;
  }
  throw new Error("expected an EventValidationError, but parse succeeded");
}

describe("parse", () => {
  it("returns a valid platform event with camelCase envelope fields and its detail", () => {
    const event = parse(FileReady, readyEvent());
    expect(event).toEqual({
      id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
      source: "platform.upload",
      detailType: "upload.file.ready",
      time: "2025-01-01T00:00:01Z",
      account: "111122223333",
      region: "eu-west-1",
      resources: [],
      detail: { metadata: metadata(), data: readyData },
    });
  });

  it("accepts the event as a JSON string", () => {
    const event = parse(FileReady, JSON.stringify(readyEvent()));
    expect(event.detail.metadata.eventId).toBe(EVENT_ID);
  });

  it("keeps the replay name of an event replayed from an archive", () => {
    const event = parse(FileReady, { ...readyEvent(), "replay-name": "replay-2025" });
    expect(event.replayName).toBe("replay-2025");
  });

  it("reports every invalid data field by its path in the event", () => {
    const raw = readyEvent();
    const data = (raw.detail as { data: Record<string, unknown> }).data;
    data.fileId = "not-a-uuid";
    delete data.ownerId;
    (data.variants as { width: unknown }[])[0] = {
      ...readyData.variants[0],
      width: "128",
    } as never;
    const error = validationError(() => parse(FileReady, raw));
    expect(error.name).toBe("EventValidationError");
    expect(error.detailType).toBe("upload.file.ready");
    expect(error.issues.map((i) => i.path)).toEqual([
      "detail.data.fileId",
      "detail.data.ownerId",
      "detail.data.variants[0].width",
    ]);
    expect(error.message).toMatch(/^invalid upload\.file\.ready: detail\.data\.fileId: /);
    expect(error.message).toContain("detail.data.variants[0].width: ");
  });

  it("reports invalid metadata and invalid data together", () => {
    const raw = eventBridgeEvent(FileReady, {
      metadata: { ...metadata(), actor: { type: "robot", id: "" }, occurredAt: "yesterday" },
      data: { ...readyData, purpose: "" },
    });
    const error = validationError(() => parse(FileReady, raw));
    expect(error.issues.map((i) => i.path)).toEqual([
      "detail.metadata.actor.type",
      "detail.metadata.actor.id",
      "detail.metadata.occurredAt",
      "detail.data.purpose",
    ]);
  });

  it("reports a missing envelope field by name", () => {
    const { time: _time, ...raw } = readyEvent();
    const error = validationError(() => parse(FileReady, raw));
    expect(error.detailType).toBe("upload.file.ready");
    expect(error.issues).toEqual([{ path: "time", message: expect.stringContaining("string") }]);
  });

  it("reports a detail without metadata", () => {
    const error = validationError(() => parse(FileReady, eventBridgeEvent(FileReady, {})));
    expect(error.issues.map((i) => i.path)).toEqual(["detail.metadata"]);
  });

  it("reports missing data once, at detail.data", () => {
    const raw = eventBridgeEvent(FileReady, { metadata: metadata() });
    const error = validationError(() => parse(FileReady, raw));
    expect(error.issues).toEqual([
      { path: "detail.data", message: expect.stringContaining("object") },
    ]);
  });

  it("refuses a detail that is not an object", () => {
    const error = validationError(() => parse(FileReady, eventBridgeEvent(FileReady, "hello")));
    expect(error.issues).toEqual([
      { path: "detail", message: "expected an object with metadata and data" },
    ]);
  });

  it("refuses an event of a contract it was not given, naming what it expected", () => {
    const raw = platformEvent(FileRejected, validData["upload.file.rejected"]);
    const error = validationError(() => parse([FileReady, ImagingProgressUpdated], raw));
    expect(error.detailType).toBe("upload.file.rejected");
    expect(error.message).toBe(
      "unexpected event platform.upload/upload.file.rejected: detail-type: expected one of " +
        "platform.upload/upload.file.ready, platform.imaging/imaging.progress.updated",
    );
  });

  it("refuses a known detail-type from the wrong source", () => {
    const raw = eventBridgeEvent(
      { source: "platform.imaging", detailType: "upload.file.ready" },
      {},
    );
    expect(() => parse(FileReady, raw)).toThrow(
      "unexpected event platform.imaging/upload.file.ready",
    );
  });

  it("refuses a version the contract does not support, naming the supported ones", () => {
    const raw = platformEvent(FileReady, readyData, 3);
    const error = validationError(() => parse(FileReady, raw));
    expect(error.issues).toEqual([
      {
        path: "detail.metadata.version",
        message: "unsupported version 3; upload.file.ready supports 1",
      },
    ]);
  });

  it("refuses text that is not JSON", () => {
    expect(() => parse(FileReady, "{not json")).toThrow(/^invalid event: \(event\): not JSON/);
  });

  it("refuses something that is not an event at all", () => {
    const error = validationError(() => parse(FileReady, 42));
    expect(error.detailType).toBeUndefined();
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe("");
  });
});

describe("parse with a contract of two versions", () => {
  it("accepts version 1 and version 2 events, each against its own schema", () => {
    const v1 = parse(Renamed, platformEvent(Renamed, { name: "a" }, 1));
    const v2 = parse(Renamed, platformEvent(Renamed, { title: "b" }, 2));
    expect(v1.detail.data).toEqual({ name: "a" });
    expect(v2.detail.data).toEqual({ title: "b", tags: [] });
  });

  it("types each version's data, narrowed by metadata.version with isVersion", () => {
    const event = parse(Renamed, platformEvent(Renamed, { title: "b" }, 2));
    expectTypeOf(event.detail.metadata.version).toEqualTypeOf<1 | 2>();
    expect(isVersion(event.detail, 1)).toBe(false);
    if (isVersion(event.detail, 1)) {
      expectTypeOf(event.detail.data).toEqualTypeOf<{ name: string }>();
    } else {
      expectTypeOf(event.detail.metadata.version).toEqualTypeOf<2>();
      expectTypeOf(event.detail.data).toEqualTypeOf<{ title: string; tags: string[] }>();
      expect(event.detail.data.title).toBe("b");
    }
  });

  it("checks v1 data against v1, so v2's shape under version 1 fails", () => {
    const error = validationError(() => parse(Renamed, platformEvent(Renamed, { title: "b" }, 1)));
    expect(error.issues.map((i) => i.path)).toEqual(["detail.data.name"]);
  });
});

describe("safeParse", () => {
  it("returns the event on success", () => {
    const result = safeParse([FileReady, S3ObjectCreated], readyEvent());
    expect(result.success && result.event.detailType).toBe("upload.file.ready");
  });

  it("returns the validation error instead of throwing it", () => {
    const result = safeParse(FileReady, platformEvent(FileReady, {}));
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error).toBeInstanceOf(EventValidationError);
    expect(result.error.issues.length).toBeGreaterThan(0);
  });
});
