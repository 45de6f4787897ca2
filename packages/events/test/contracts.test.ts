import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  contractFor,
  defineContract,
  FileReady,
  FileRequested,
  ImagingProgressUpdated,
  platformContracts,
  supportedVersions,
} from "../src/index.ts";
import { FILE_ID, Renamed, validData } from "./fixtures.ts";

describe("platform contracts", () => {
  it("have detail-types that are unique across the platform", () => {
    const detailTypes = platformContracts.map((c) => c.detailType);
    expect(new Set(detailTypes).size).toBe(detailTypes.length);
    expect(detailTypes).toHaveLength(10);
  });

  it("all come from a platform.* source", () => {
    for (const contract of platformContracts) {
      expect(contract.source).toMatch(/^platform\.[a-z]+$/);
      expect(contract.kind).toBe("platform");
    }
  });

  it("have dotted detail-types owned by their source's domain", () => {
    for (const contract of platformContracts) {
      const domain = contract.source.replace("platform.", "");
      expect(contract.detailType).toMatch(new RegExp(`^${domain}\\.[a-z]+\\.[a-z]+$`));
    }
  });

  it.each(platformContracts.map((c) => [c.detailType, c] as const))(
    "%s accepts its sample data",
    (detailType, contract) => {
      const schema = contract.versions[contract.latestVersion];
      expect(schema.safeParse(validData[detailType]).success).toBe(true);
    },
  );

  it("are found by detail-type, and an unknown one is not", () => {
    expect(contractFor("upload.file.ready")).toBe(FileReady);
    expect(contractFor("upload.file.renamed")).toBeUndefined();
  });

  it("keep unknown data fields out instead of rejecting them (additive changes stay compatible)", () => {
    const parsed = FileReady.versions[1].parse({ ...validData["upload.file.ready"], extra: 1 });
    expect(parsed).not.toHaveProperty("extra");
  });
});

describe("contract schemas", () => {
  const requested = FileRequested.versions[1];

  it("reject a fileId that is not a UUID", () => {
    const result = requested.safeParse({ ...validData["upload.file.requested"], fileId: "42" });
    expect(result.error?.issues.map((i) => i.path)).toEqual([["fileId"]]);
  });

  it("reject a sha256 that is not 64 hex characters", () => {
    const result = requested.safeParse({ ...validData["upload.file.requested"], sha256: "abc" });
    expect(result.error?.issues[0]?.message).toBe("expected 64 hex characters");
  });

  it("reject a negative size and an unknown upload method", () => {
    const result = requested.safeParse({
      ...validData["upload.file.requested"],
      size: -1,
      method: "GET",
    });
    expect(result.error?.issues.map((i) => i.path[0]).sort()).toEqual(["method", "size"]);
  });

  it("reject imaging progress whose done exceeds total", () => {
    const result = ImagingProgressUpdated.versions[1].safeParse({
      fileId: FILE_ID,
      bucket: "uploads",
      sourceKey: "tmp/x",
      done: 4,
      total: 3,
    });
    expect(result.error?.issues).toMatchObject([
      { path: ["done"], message: "done must not exceed total" },
    ]);
  });
});

describe("defineContract", () => {
  it("takes the highest version key as the latest", () => {
    expect(Renamed.latestVersion).toBe(2);
    expect(supportedVersions(Renamed)).toEqual([1, 2]);
    expect(FileReady.latestVersion).toBe(1);
  });

  it("refuses versions that are not positive integers", () => {
    const define = () =>
      defineContract({
        source: "platform.test",
        detailType: "test.thing.broken",
        description: "test only",
        versions: { 0: z.object({}) },
      });
    expect(define).toThrow("test.thing.broken: versions must be keyed 1, 2, ... (got 0)");
  });
});
