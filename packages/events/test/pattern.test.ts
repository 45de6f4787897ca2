import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type EventSelector,
  FileDeleted,
  FileReady,
  FileRejected,
  ImagingProgressUpdated,
  InvocationCompleted,
  on,
  onAny,
  onEveryPlatformEvent,
  S3ObjectCreated,
  S3ObjectDeleted,
} from "../src/index.ts";

describe("on", () => {
  it("matches one platform contract's source and detail-type", () => {
    expect(on(FileReady)).toEqual({
      pattern: { source: ["platform.upload"], "detail-type": ["upload.file.ready"] },
    });
  });

  it("puts a typed filter on the detail, nested like the event", () => {
    const selector = on(FileReady, {
      metadata: { actor: { type: ["user"] } },
      data: { purpose: ["profile", { prefix: "chat" }], variants: { format: ["webp"] } },
    });
    expect(selector.pattern).toEqual({
      source: ["platform.upload"],
      "detail-type": ["upload.file.ready"],
      detail: {
        metadata: { actor: { type: ["user"] } },
        data: { purpose: ["profile", { prefix: "chat" }], variants: { format: ["webp"] } },
      },
    });
  });

  it("accepts numeric, exists, anything-but and case-insensitive matchers at leaves", () => {
    const selector = on(InvocationCompleted, {
      data: {
        durationMs: [{ numeric: [">=", 1000, "<", 60000] }],
        errorCode: [{ exists: true }],
        outcome: [{ "anything-but": ["ok"] }],
        caller: [{ "equals-ignore-case": "UPLOAD" }, { wildcard: "notify*" }],
      },
    });
    expect(selector.pattern.detail).toEqual({
      data: {
        durationMs: [{ numeric: [">=", 1000, "<", 60000] }],
        errorCode: [{ exists: true }],
        outcome: [{ "anything-but": ["ok"] }],
        caller: [{ "equals-ignore-case": "UPLOAD" }, { wildcard: "notify*" }],
      },
    });
  });

  it("matches S3's events, filtered on their own detail", () => {
    expect(on(S3ObjectCreated, { object: { key: [{ prefix: "tmp/" }] } })).toEqual({
      pattern: {
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: { object: { key: [{ prefix: "tmp/" }] } },
      },
    });
  });

  it("passes an $or of detail filters through unchanged", () => {
    const selector = on(FileRejected, {
      $or: [{ data: { reason: ["virus"] } }, { metadata: { actor: { type: ["system"] } } }],
    });
    expect(selector.pattern.detail).toEqual({
      $or: [{ data: { reason: ["virus"] } }, { metadata: { actor: { type: ["system"] } } }],
    });
  });

  it("leaves an empty filter out of the pattern", () => {
    expect(on(FileDeleted, {}).pattern).not.toHaveProperty("detail");
  });

  it("refuses a filter whose leaf is not a non-empty array (EventBridge would reject it)", () => {
    const scalar = { data: { purpose: "profile" } } as never;
    expect(() => on(FileReady, scalar)).toThrow(
      "pattern field detail.data.purpose must be an array of matchers or a nested object",
    );
    const empty = { data: { purpose: [] } } as never;
    expect(() => on(FileReady, empty)).toThrow(
      "pattern field detail.data.purpose is an empty array",
    );
  });

  it("rejects a misspelled field and a value of the wrong type at compile time", () => {
    // Only compiled, never run: each line below must be a type error.
    const typeErrors = () => {
      // @ts-expect-error `purpuse` is not a field of upload.file.ready
      on(FileReady, { data: { purpuse: ["profile"] } });
      // @ts-expect-error `size` is a number, not a string
      on(FileReady, { data: { original: { size: ["1024"] } } });
      // @ts-expect-error `format` is one of webp, jpeg, png, avif
      on(FileReady, { data: { variants: { format: ["gif"] } } });
      // @ts-expect-error a leaf takes an array of matchers, not a bare value
      on(S3ObjectCreated, { object: { key: { prefix: "tmp/" } } });
      // @ts-expect-error prefix matching is for strings only
      on(S3ObjectCreated, { object: { size: [{ prefix: "1" }] } });
      // @ts-expect-error numeric matching is for numbers only
      on(S3ObjectCreated, { object: { key: [{ numeric: [">", 1] }] } });
    };
    expect(typeErrors).toBeTypeOf("function");
  });

  it("returns a plain selector whatever the contract", () => {
    expectTypeOf(on(FileReady)).toEqualTypeOf<EventSelector>();
    expectTypeOf(on(S3ObjectDeleted)).toEqualTypeOf<EventSelector>();
  });
});

describe("onAny", () => {
  it("matches several platform contracts with unique sources and every detail-type", () => {
    expect(onAny([FileReady, ImagingProgressUpdated, FileRejected])).toEqual({
      pattern: {
        source: ["platform.upload", "platform.imaging"],
        "detail-type": ["upload.file.ready", "imaging.progress.updated", "upload.file.rejected"],
      },
    });
  });

  it("mixes the platform's events with S3's, which are forwarded to the same bus", () => {
    expect(onAny([FileReady, S3ObjectCreated, S3ObjectDeleted, FileReady])).toEqual({
      pattern: {
        source: ["platform.upload", "aws.s3"],
        "detail-type": ["upload.file.ready", "Object Created", "Object Deleted"],
      },
    });
  });
});

describe("onEveryPlatformEvent", () => {
  it("matches every platform.* source", () => {
    expect(onEveryPlatformEvent()).toEqual({
      pattern: { source: [{ prefix: "platform." }] },
    });
  });
});
