import { FileDeleted, FileReady, FileRejected, FileRequested } from "@platform/events";
import { testPlatformManifests } from "@platform/local-cloud";
import { buildWiring, validateService } from "@platform/manifest";
import { describe, expect, it } from "vitest";
import notify from "../service.ts";

describe("notify manifest", () => {
  it("is sound on its own", () => {
    expect(validateService(notify)).toEqual([]);
  });

  it("tells of files ready, rejected and deleted, and of bytes received under tmp/", () => {
    expect(notify.subscriptions?.fileOutcomes?.events.pattern["detail-type"]).toEqual([
      FileReady.detailType,
      FileRejected.detailType,
      FileDeleted.detailType,
    ]);
    expect(notify.subscriptions?.fileReceived?.events.pattern).toEqual({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: { object: { key: [{ prefix: "tmp/" }] } },
    });
  });

  it("learns whose each file is from upload.file.requested, in a function of its own", () => {
    expect(notify.subscriptions?.fileRequests).toMatchObject({
      function: "recordOwner",
      events: { pattern: { "detail-type": [FileRequested.detailType] } },
    });
    expect(notify.functions.recordOwner.link).toEqual(["FileOwners"]);
  });

  it("lets only the functions that need them reach webhook secrets and whose files are whose", () => {
    const linkedTo = (resource: string) =>
      Object.entries(notify.functions)
        .filter(([, fn]) => fn.link?.includes(resource))
        .map(([name]) => name)
        .sort();
    expect(linkedTo("Webhooks")).toEqual(["fanOut", "webhooks"]);
    expect(linkedTo("FileOwners")).toEqual(["fanOut", "recordOwner"]);
  });

  it("serves the webhooks API behind the JWT authorizer, and its OpenAPI document in public", () => {
    const routes = Object.entries(notify.routes ?? {});
    expect(routes.map(([key]) => key)).toEqual([
      "GET /webhooks/openapi.json",
      "POST /webhooks",
      "GET /webhooks",
      "DELETE /webhooks/{id}",
      "PATCH /webhooks/{id}",
      "POST /webhooks/{id}/test",
    ]);
    for (const [key, route] of routes.slice(1))
      expect([key, route]).toEqual([
        key,
        { function: "webhooks", auth: "jwt", scopes: ["webhooks:manage"] },
      ]);
    expect(routes[0]?.[1]).toEqual({ function: "webhooks", auth: "public" });
  });

  it("owns the Notifications topic, and the Webhooks and FileOwners tables, whose records expire", () => {
    expect(Object.keys(notify.topics ?? {})).toEqual(["Notifications"]);
    expect(Object.keys(notify.tables ?? {})).toEqual(["Webhooks", "FileOwners"]);
    expect(notify.tables?.Webhooks).toMatchObject({ ttl: "expiresAt" });
    expect(notify.tables?.FileOwners).toMatchObject({
      primaryIndex: { hashKey: "fileId" },
      ttl: "expiresAt",
    });
  });

  it("gives the fan-out a failure queue, where deliveries still owed are dead-lettered", () => {
    const wiring = buildWiring(testPlatformManifests([notify]));
    const fanOut = wiring.functions.find((f) => f.id === "NotifyFanOut");
    expect(fanOut).toMatchObject({ failureQueue: "NotifyFanOutFailures", timeout: "3 minutes" });
    expect(fanOut?.link).toEqual(["Notifications", "Webhooks", "FileOwners"]);
  });
});
