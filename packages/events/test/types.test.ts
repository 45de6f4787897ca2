import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type Actor,
  type AwsEvent,
  contractFor,
  type DataOf,
  type DetailOf,
  FileReady,
  FileRejected,
  type Metadata,
  type PlatformEvent,
  parse,
  S3ObjectCreated,
  type Variant,
} from "../src/index.ts";
import { platformEvent, Renamed, validData } from "./fixtures.ts";

describe("contract types", () => {
  it("DataOf infers a contract's fields", () => {
    expectTypeOf<DataOf<typeof FileReady>>().toEqualTypeOf<{
      fileId: string;
      ownerId: string;
      purpose: string;
      entityId: string;
      original: { key: string; size: number; contentType: string };
      variants: Variant[];
    }>();
    expectTypeOf<Variant["format"]>().toEqualTypeOf<"webp" | "jpeg" | "png" | "avif">();
  });

  it("DataOf picks a version, the latest by default", () => {
    expectTypeOf<DataOf<typeof Renamed, 1>>().toEqualTypeOf<{ name: string }>();
    expectTypeOf<DataOf<typeof Renamed>>().toEqualTypeOf<{ title: string; tags: string[] }>();
    expectTypeOf(Renamed.latestVersion).toEqualTypeOf<2>();
  });

  it("DetailOf pairs each version's metadata with its data", () => {
    expectTypeOf<DetailOf<typeof Renamed>>().toEqualTypeOf<
      | { metadata: Metadata & { version: 1 }; data: { name: string } }
      | { metadata: Metadata & { version: 2 }; data: { title: string; tags: string[] } }
    >();
    expectTypeOf<Metadata["actor"]>().toEqualTypeOf<Actor>();
  });

  it("contractFor returns the exact contract for a known detail-type", () => {
    expectTypeOf(contractFor("upload.file.rejected")).toEqualTypeOf<typeof FileRejected>();
    expect(contractFor("upload.file.rejected")).toBe(FileRejected);
  });
});

describe("parse types", () => {
  it("returns the contract's event for one contract", () => {
    const event = parse(FileReady, platformEvent(FileReady, validData["upload.file.ready"]));
    expectTypeOf(event).toEqualTypeOf<PlatformEvent<typeof FileReady>>();
    expectTypeOf(event.detailType).toEqualTypeOf<"upload.file.ready">();
    expectTypeOf(event.detail.data.variants).toEqualTypeOf<Variant[]>();
  });

  it("returns the union for an array, told apart by detailType", () => {
    const event = parse(
      [FileReady, S3ObjectCreated],
      platformEvent(FileReady, validData["upload.file.ready"]),
    );
    expectTypeOf(event).toEqualTypeOf<
      PlatformEvent<typeof FileReady> | AwsEvent<typeof S3ObjectCreated>
    >();
    if (event.detailType === "Object Created") {
      expectTypeOf(event.detail.object.size).toEqualTypeOf<number>();
    } else {
      expectTypeOf(event.detail.data.original.key).toEqualTypeOf<string>();
    }
    expect(event.detailType).toBe("upload.file.ready");
  });
});
