import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { webhooksTable } from "../src/adapters/webhooks-table.ts";
import type { WebhookStore } from "../src/ports.ts";
import { aWebhook } from "./support/fakes.ts";
import { INTEGRATION, startPlatform } from "./support/platform.ts";

vi.setConfig(INTEGRATION);

// The webhooks table's conditional writes, on DynamoDB Local: failure counts, disabling and
// enabling again, each guarded by the epoch a re-enable starts.

let cloud: TestCloud;
let store: WebhookStore;
const OWNER = "owner-1";
const last = (at: string) => ({ at, eventId: "e-1", outcome: "failed" as const });

beforeAll(async () => {
  cloud = await startPlatform();
  const table = cloud.names.tables.Webhooks;
  if (!table) throw new Error("no Webhooks table");
  store = webhooksTable(DynamoDBDocumentClient.from(cloud.dynamodb), table);
}, 120_000);
afterAll(async () => {
  await cloud?.stop();
});

describe("the webhooks table", () => {
  it("does not reset the failure count when an enabled webhook is enabled again", async () => {
    const webhook = aWebhook();
    await store.create(webhook, 10);
    await store.recordOutcome(OWNER, webhook.id, last("2026-01-01T00:01:00.000Z"), "failure", 3, 0);
    await store.recordOutcome(OWNER, webhook.id, last("2026-01-01T00:02:00.000Z"), "failure", 3, 0);
    const again = await store.setEnabled(OWNER, webhook.id, true, "2026-01-01T00:03:00.000Z");
    expect(again).toMatchObject({ enabled: true, consecutiveFailures: 2 });
    expect(
      await store.setEnabled(OWNER, crypto.randomUUID(), true, "2026-01-01T00:03:00.000Z"),
    ).toBeUndefined();
  });

  it("never lets a failure from before a re-enable count or disable it again", async () => {
    const webhook = aWebhook();
    await store.create(webhook, 10);
    for (const minute of [1, 2])
      await store.recordOutcome(
        OWNER,
        webhook.id,
        last(`2026-01-01T00:0${minute}:00.000Z`),
        "failure",
        3,
        0,
      );
    await store.setEnabled(OWNER, webhook.id, false, "2026-01-01T00:03:00.000Z");
    const enabled = await store.setEnabled(OWNER, webhook.id, true, "2026-01-01T00:04:00.000Z");
    expect(enabled).toMatchObject({ enabled: true, consecutiveFailures: 0 });

    // A run that began before the re-enable (epoch 0) reports its third failure late.
    await store.recordOutcome(OWNER, webhook.id, last("2026-01-01T00:05:00.000Z"), "failure", 1, 0);
    expect(await store.get(OWNER, webhook.id)).toMatchObject({
      enabled: true,
      consecutiveFailures: 0,
    });

    // In the new epoch, failures count and disable it again at the limit.
    for (const minute of [6, 7, 8])
      await store.recordOutcome(
        OWNER,
        webhook.id,
        last(`2026-01-01T00:0${minute}:00.000Z`),
        "failure",
        3,
        1,
      );
    expect(await store.get(OWNER, webhook.id)).toMatchObject({
      enabled: false,
      consecutiveFailures: 3,
      disabledReason: "3 consecutive failed deliveries",
    });
  });
});
