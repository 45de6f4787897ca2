import { FileDeleted, FileReady, FileRejected } from "@platform/events";
import { validateService } from "@platform/manifest";
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

  it("serves the webhooks API behind the JWT authorizer", () => {
    const routes = Object.entries(notify.routes ?? {});
    expect(routes.map(([key]) => key)).toEqual([
      "POST /webhooks",
      "GET /webhooks",
      "DELETE /webhooks/{id}",
      "POST /webhooks/{id}/test",
    ]);
    for (const [, route] of routes)
      expect(route).toMatchObject({ auth: "jwt", scopes: ["webhooks:manage"] });
  });

  it("owns the Notifications topic and the Webhooks table", () => {
    expect(Object.keys(notify.topics ?? {})).toEqual(["Notifications"]);
    expect(Object.keys(notify.tables ?? {})).toEqual(["Webhooks"]);
  });
});
