import {
  FileDeleted,
  ImagingFileRejected,
  ImagingProgressUpdated,
  VariantsCreated,
} from "@platform/events";
import { validateService } from "@platform/manifest";
import { describe, expect, it } from "vitest";
import upload from "../service.ts";

describe("upload manifest", () => {
  it("is sound on its own", () => {
    expect(validateService(upload)).toEqual([]);
  });

  it("learns of uploads from S3's Object Created under tmp/ only", () => {
    expect(upload.subscriptions?.objectCreated?.events.pattern).toEqual({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: { object: { key: [{ prefix: "tmp/" }] } },
    });
  });

  it("learns of processing only from imaging's events, and purges on its own deletions", () => {
    expect(upload.subscriptions?.imagingResults?.events.pattern["detail-type"]).toEqual([
      ImagingProgressUpdated.detailType,
      VariantsCreated.detailType,
      ImagingFileRejected.detailType,
    ]);
    expect(upload.subscriptions?.purgeDeleted?.events.pattern["detail-type"]).toEqual([
      FileDeleted.detailType,
    ]);
  });

  it("requires a JWT with a scope on every route but health and the OpenAPI document", () => {
    const routes = Object.entries(upload.routes ?? {});
    const open = routes.filter(([, r]) => r?.auth === "public").map(([key]) => key);
    expect(open).toEqual(["GET /health", "GET /openapi.json"]);
    for (const [key, route] of routes.filter(([, r]) => r?.auth === "jwt"))
      expect(route?.scopes?.length, key).toBeGreaterThan(0);
  });

  it("owns the files table, keyed by file and indexed by owner, with an expiry", () => {
    expect(upload.tables?.Files).toMatchObject({
      primaryIndex: { hashKey: "fileId" },
      globalIndexes: { byOwner: { hashKey: "ownerId", rangeKey: "createdAt" } },
      ttl: "expiresAt",
    });
  });

  it("reaches other services only through the invoke-proxy, from its API", () => {
    const callers = Object.entries(upload.functions).filter(([, f]) =>
      f.link?.includes("InvokeProxy"),
    );
    expect(callers.map(([key]) => key)).toEqual(["api"]);
  });
});
