import type { PlatformConfig } from "./config.ts";

/** The platform's event bus, archived so that events can be replayed after a fix. */
export function createBus(config: PlatformConfig) {
  const bus = new sst.aws.Bus("Bus");
  const archive = new aws.cloudwatch.EventArchive("BusArchive", {
    eventSourceArn: bus.arn,
    retentionDays: config.archiveRetentionDays,
    description: "Every event on the platform bus, for replay.",
  });
  return { bus, archive };
}
