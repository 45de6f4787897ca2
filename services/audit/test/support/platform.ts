import { StartReplayCommand } from "@aws-sdk/client-eventbridge";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createPublisher } from "@platform/events";
import { LOCAL_ACCOUNT, startTestCloud, type TestCloud } from "@platform/local-cloud";
import audit from "../../service.ts";
import { exportBucket } from "../../src/adapters/export-bucket.ts";
import { ledgerTable } from "../../src/adapters/ledger-table.ts";
import type { Ports } from "../../src/ports.ts";

/** A local platform running the audit service alone, shared by a test file. */
export function startPlatform(): Promise<TestCloud> {
  return startTestCloud({ manifests: [audit] });
}

/** The audit logic's ports on the local platform's real DynamoDB and S3. */
export function platformPorts(cloud: TestCloud): Ports {
  const table = cloud.names.tables.Ledger;
  if (!table) throw new Error("the platform has no Ledger table");
  return {
    ledger: ledgerTable(DynamoDBDocumentClient.from(cloud.dynamodb), table),
    exports: exportBucket(cloud.s3, cloud.names.bucket),
    now: () => new Date(),
  };
}

export function publisherFor(cloud: TestCloud) {
  return createPublisher({ client: cloud.eventBridge, eventBusName: cloud.names.bus });
}

/** Delivers every archived event since `from` to the audit rule again, as StartReplay does. */
export async function replayToAudit(cloud: TestCloud, from: Date) {
  const arn = (resource: string) =>
    `arn:aws:events:${LOCAL_ACCOUNT.region}:${LOCAL_ACCOUNT.accountId}:${resource}`;
  await cloud.eventBridge.send(
    new StartReplayCommand({
      ReplayName: `audit-${Date.now()}`,
      EventSourceArn: arn(`archive/${cloud.names.archive}`),
      EventStartTime: from,
      EventEndTime: new Date(Date.now() + 2_000),
      Destination: {
        Arn: arn(`event-bus/${cloud.names.bus}`),
        FilterArns: [arn(`rule/${cloud.names.bus}/AuditRecordEverything`)],
      },
    }),
  );
  await cloud.settle();
}
