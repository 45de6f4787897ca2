import type { Deliveries, NotificationTopic, Owners, Ports, WebhookStore } from "../ports.ts";
import { POLICIES, runtimeOf } from "../settings.ts";
import { documents, sns } from "./clients.ts";
import { deliveriesTable } from "./deliveries-table.ts";
import { httpSender, resolveAll } from "./network.ts";
import { ownersTable } from "./owners-table.ts";
import { linkedArn, linkedName } from "./resources.ts";
import { notificationTopic } from "./topic.ts";
import { webhooksTable } from "./webhooks-table.ts";

// Each port is built on first use, so a function needs links only to what it really uses.
let webhooks: WebhookStore | undefined;
let deliveries: Deliveries | undefined;
let owners: Owners | undefined;
let topic: NotificationTopic | undefined;

const runtime = runtimeOf();
const policy = POLICIES[runtime];

const ports: Ports = {
  get webhooks() {
    webhooks ??= webhooksTable(documents, linkedName("Webhooks"));
    return webhooks;
  },
  get deliveries() {
    deliveries ??= deliveriesTable(documents, linkedName("Webhooks"));
    return deliveries;
  },
  get owners() {
    owners ??= ownersTable(documents, linkedName("FileOwners"));
    return owners;
  },
  get topic() {
    topic ??= notificationTopic(sns, linkedArn("Notifications"));
    return topic;
  },
  send: httpSender(runtime, policy),
  resolve: resolveAll,
  runtime,
  policy,
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  newId: () => crypto.randomUUID(),
};

/** The real ports, from the resources this function is linked to. */
export function livePorts(): Ports {
  return ports;
}
