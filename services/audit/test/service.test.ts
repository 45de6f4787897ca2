import {
  AuditHistory,
  platformContracts,
  S3ObjectCreated,
  S3ObjectDeleted,
} from "@platform/events";
import { validateService } from "@platform/manifest";
import { describe, expect, it } from "vitest";
import audit from "../service.ts";

describe("audit manifest", () => {
  it("is sound on its own", () => {
    expect(validateService(audit)).toEqual([]);
  });

  it("records every platform event and every object created or deleted, with one rule", () => {
    const subscriptions = Object.values(audit.subscriptions ?? {});
    expect(subscriptions).toHaveLength(1);
    const pattern = subscriptions[0]?.events.pattern;
    expect(pattern?.["detail-type"]).toEqual([
      ...platformContracts.map((c) => c.detailType),
      S3ObjectCreated.detailType,
      S3ObjectDeleted.detailType,
    ]);
    expect(pattern?.source).toEqual(
      expect.arrayContaining(["platform.upload", "platform.imaging", "platform.proxy", "aws.s3"]),
    );
  });

  it("exposes audit.history to the upload service", () => {
    expect(audit.operations?.["audit.history"]).toEqual({
      contract: AuditHistory,
      function: "history",
      callers: ["upload"],
    });
  });

  it("keys its ledger for a file's history, an actor's actions and a time range", () => {
    expect(audit.tables?.Ledger).toMatchObject({
      primaryIndex: { hashKey: "pk", rangeKey: "sk" },
      globalIndexes: { byActor: { hashKey: "actorKey" }, byDay: { hashKey: "day" } },
    });
  });

  it("exports on a schedule, with what the export needs linked", () => {
    expect(audit.schedules?.exportLedger).toMatchObject({
      function: "export",
      schedule: "rate(15 minutes)",
    });
    expect(audit.functions.export.link).toEqual(["Ledger", "Uploads"]);
  });
});
