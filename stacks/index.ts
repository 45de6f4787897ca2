import { buildWiring, type ServiceManifest } from "@platform/manifest";
import { createApi } from "./api.ts";
import { createBus } from "./bus.ts";
import type { PlatformConfig } from "./config.ts";
import { createServiceData } from "./data.ts";
import { createFunctions } from "./functions.ts";
import { narrowLinkPermissions } from "./links.ts";
import { createSchedules } from "./schedules.ts";
import { createServerApi } from "./server-api.ts";
import { createStorage } from "./storage.ts";
import { createSubscriptions, forwardBucketEvents } from "./subscriptions.ts";
import { createTopicSubscriptions } from "./topic-subscriptions.ts";

/** The whole platform, built from the service manifests. Called by sst.config.ts and the infra tests. */
export function platform(manifests: readonly ServiceManifest[], config: PlatformConfig) {
  const wiring = buildWiring(manifests);
  narrowLinkPermissions();
  const { bus } = createBus(config);
  const { bucket } = createStorage(config);
  forwardBucketEvents(bus, bucket);
  const data = createServiceData(wiring);
  const { functions } = createFunctions(wiring, { Bus: bus, Uploads: bucket, ...data });
  createSubscriptions(wiring, bus, functions);
  const topics = Object.fromEntries(
    wiring.topics.map((t) => [t.id, data[t.id] as sst.aws.SnsTopic]),
  );
  createTopicSubscriptions(wiring, topics, functions);
  createSchedules(wiring, functions);
  const { api } = createApi(wiring, config, functions);
  const server = createServerApi(wiring, functions);
  return { api: api.url, serverApi: server.api.url, bucket: bucket.name, bus: bus.name };
}
