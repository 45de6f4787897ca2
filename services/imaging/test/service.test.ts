import { DescribeImage } from "@platform/events";
import { validateService } from "@platform/manifest";
import { describe, expect, it } from "vitest";
import imaging from "../service.ts";

describe("imaging manifest", () => {
  it("is sound on its own", () => {
    expect(validateService(imaging)).toEqual([]);
  });

  it("processes S3's Object Created under tmp/, and nothing else", () => {
    expect(Object.keys(imaging.subscriptions ?? {})).toEqual(["processUploads"]);
    expect(imaging.subscriptions?.processUploads?.events.pattern).toEqual({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: { object: { key: [{ prefix: "tmp/" }] } },
    });
  });

  it("installs sharp for Lambda's platform and gives the resizer room to work", () => {
    const process = imaging.functions.process;
    expect(process.install).toEqual(["sharp"]);
    expect(Number.parseInt(process.memory ?? "0", 10)).toBeGreaterThanOrEqual(1536);
  });

  it("exposes imaging.describe to the upload service only", () => {
    expect(imaging.operations?.["imaging.describe"]).toEqual({
      contract: DescribeImage,
      function: "describe",
      callers: ["upload"],
    });
  });
});
