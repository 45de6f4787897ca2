import { describe, expect, it } from "vitest";
import {
  EventValidationError,
  parse,
  S3ObjectCreated,
  S3ObjectDeleted,
  safeParse,
} from "../src/index.ts";
import { findEvents, loadS3Snapshot } from "./fixtures.ts";

const recorded = findEvents(loadS3Snapshot());
const created = recorded.filter((e) => e["detail-type"] === "Object Created");
const deleted = recorded.filter((e) => e["detail-type"] === "Object Deleted");

/** The snapshot replaced each event's timestamp with "date"; put a real one back. */
function withRealTime(event: Record<string, unknown>): Record<string, unknown> {
  return structuredClone({ ...event, time: "2025-01-21T23:25:10Z" });
}

describe("S3 contracts against events recorded from AWS", () => {
  it("find created and deleted events in the snapshot", () => {
    expect(created.length).toBeGreaterThanOrEqual(5);
    expect(deleted.length).toBeGreaterThanOrEqual(3);
  });

  it("accept the detail of every recorded Object Created event", () => {
    for (const event of created) {
      expect(S3ObjectCreated.detail.safeParse(event.detail).error).toBeUndefined();
    }
  });

  it("accept the detail of every recorded Object Deleted event", () => {
    for (const event of deleted) {
      expect(S3ObjectDeleted.detail.safeParse(event.detail).error).toBeUndefined();
    }
  });

  it("parse a recorded Object Created event into its typed shape", () => {
    const event = parse(S3ObjectCreated, withRealTime(created[0] ?? {}));
    expect(event).toMatchObject({
      source: "aws.s3",
      detailType: "Object Created",
      account: "111111111111",
      resources: ["arn:<partition>:s3:::<bucket-name:1>"],
    });
    expect(event.detail.object).toEqual({
      key: "<key-name:1>",
      size: 4,
      etag: "8d777f385d3dfec8815d20f7496026dc",
      sequencer: "object-sequencer",
    });
    expect(event.detail.reason).toBe("PutObject");
  });

  it("parse a recorded versioned Object Deleted event, keeping its version-id", () => {
    const versioned = deleted.find((e) => JSON.stringify(e).includes("version-id"));
    const event = parse([S3ObjectCreated, S3ObjectDeleted], withRealTime(versioned ?? {}));
    if (event.detailType !== "Object Deleted") throw new Error("expected Object Deleted");
    expect(event.detail["deletion-type"]).toBe("Permanently Deleted");
    expect(event.detail.object["version-id"]).toBe("<version-id:3>");
  });

  it("reject a recorded event whose bucket name is missing and whose size is a string", () => {
    const broken = withRealTime(created[0] ?? {});
    const detail = broken.detail as { bucket: { name?: string }; object: { size: unknown } };
    delete detail.bucket.name;
    detail.object.size = "4";
    const result = safeParse(S3ObjectCreated, broken);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error).toBeInstanceOf(EventValidationError);
    expect(result.error.issues.map((i) => i.path).sort()).toEqual([
      "detail.bucket.name",
      "detail.object.size",
    ]);
  });

  it("reject an Object Created event with a reason S3 does not send", () => {
    const odd = withRealTime(created[0] ?? {});
    (odd.detail as { reason: string }).reason = "RenameObject";
    expect(() => parse(S3ObjectCreated, odd)).toThrow(/detail\.reason/);
  });
});
