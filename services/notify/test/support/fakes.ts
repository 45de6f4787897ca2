import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import type {
  Attempt,
  DeliveryRecord,
  FileOwner,
  Ports,
  Target,
  Webhook,
} from "../../src/ports.ts";
import { POLICIES } from "../../src/settings.ts";

/** In-memory ports with the same rules as the table adapters, for unit tests of the logic. */
export function fakePorts(overrides: Partial<Ports> = {}) {
  const webhooks = new Map<string, Webhook>();
  const records = new Map<string, DeliveryRecord>();
  const owners = new Map<string, FileOwner>();
  const published: { message: string; attributes: Record<string, string> }[] = [];
  const sent: { url: string; headers: Record<string, string>; body: string }[] = [];
  // Scripted answers by URL ("*": any URL without a script of its own).
  const answers = new Map<string, Attempt[]>();
  let clock = Date.parse("2026-01-01T00:00:00.000Z");
  let publishFails = false;
  const key = (eventId: string, target: Target) => `${eventId} ${target}`;
  const answerFor = (url: string, ...next: Attempt[]) =>
    answers.set(url, [...(answers.get(url) ?? []), ...next]);

  const ports: Ports = {
    webhooks: {
      async create(webhook, limit) {
        const mine = [...webhooks.values()].filter((w) => w.ownerId === webhook.ownerId);
        if (mine.length >= limit) return "limit";
        webhooks.set(webhook.id, structuredClone(webhook));
        return "created";
      },
      get: async (ownerId, id) => {
        const found = webhooks.get(id);
        return found?.ownerId === ownerId ? structuredClone(found) : undefined;
      },
      list: async (ownerId) =>
        [...webhooks.values()].filter((w) => w.ownerId === ownerId).map((w) => structuredClone(w)),
      remove: async (ownerId, id) => webhooks.get(id)?.ownerId === ownerId && webhooks.delete(id),
      async setEnabled(ownerId, id, enabled, at) {
        const found = webhooks.get(id);
        if (found?.ownerId !== ownerId) return undefined;
        // As the table does: enabling an enabled webhook changes nothing.
        if (enabled && found.enabled) return structuredClone(found);
        Object.assign(found, { enabled, updatedAt: at });
        if (enabled) {
          found.consecutiveFailures = 0;
          found.epoch = (found.epoch ?? 0) + 1;
          delete found.disabledAt;
          delete found.disabledReason;
        } else Object.assign(found, { disabledAt: at, disabledReason: "disabled by its owner" });
        return structuredClone(found);
      },
      async recordOutcome(ownerId, id, last, change, disableAfter, epoch) {
        const found = webhooks.get(id);
        if (found?.ownerId !== ownerId) return;
        if (change === "failure" && (found.epoch ?? 0) !== epoch) return;
        found.lastDelivery = last;
        if (change === "success") found.consecutiveFailures = 0;
        if (change !== "failure") return;
        found.consecutiveFailures += 1;
        if (found.consecutiveFailures >= disableAfter && found.enabled)
          Object.assign(found, {
            enabled: false,
            disabledAt: last.at,
            disabledReason: `${found.consecutiveFailures} consecutive failed deliveries`,
          });
      },
    },
    deliveries: {
      ofEvent: async (eventId) =>
        [...records.values()].filter((r) => r.eventId === eventId).map((r) => ({ ...r })),
      async claim(eventId, target, holder, leaseUntil, now) {
        const found = records.get(key(eventId, target));
        const free =
          !found ||
          (!["delivered", "rejected"].includes(found.status) &&
            (found.leaseUntil === undefined || found.leaseUntil < now || found.holder === holder));
        if (!free) return { claimed: false, record: { ...found } };
        const record: DeliveryRecord = {
          eventId,
          target,
          status: found?.status ?? "pending",
          attempts: found?.attempts ?? 0,
          ...(found?.countedIn !== undefined ? { countedIn: found.countedIn } : {}),
          holder,
          leaseUntil,
          updatedAt: new Date(now).toISOString(),
        };
        records.set(key(eventId, target), record);
        return { claimed: true, record: { ...record } };
      },
      async finish(eventId, target, holder, result) {
        const found = records.get(key(eventId, target));
        if (!found || found.holder !== holder)
          throw new ConditionalCheckFailedException({ message: "not the holder", $metadata: {} });
        const { at, epoch, ...rest } = result;
        const failure = result.status !== "delivered" && result.attempts > 0;
        const counting = failure && epoch !== undefined;
        records.set(key(eventId, target), {
          eventId,
          target,
          ...rest,
          attempts: found.attempts + result.attempts,
          ...(counting
            ? { countedIn: epoch }
            : found.countedIn !== undefined
              ? { countedIn: found.countedIn }
              : {}),
          updatedAt: at,
        });
        return { counts: counting && found.countedIn !== epoch };
      },
    },
    owners: {
      record: async (fileId, owner) => void owners.set(fileId, owner),
      find: async (fileId) => owners.get(fileId),
    },
    topic: {
      async publish(message, attributes) {
        if (publishFails) throw Object.assign(new Error("topic down"), { name: "InternalError" });
        published.push({ message, attributes });
        return `m-${published.length}`;
      },
    },
    send: async (url, headers, body) => {
      sent.push({ url, headers, body });
      const script = answers.get(url)?.length ? answers.get(url) : answers.get("*");
      return script?.shift() ?? { kind: "answered", status: 200, excerpt: "" };
    },
    resolve: async () => ["93.184.216.34"],
    runtime: "cloud",
    policy: { ...POLICIES.local, baseDelayMs: 1, maxDelayMs: 2 },
    now: () => new Date(clock),
    sleep: async (ms) => {
      clock += ms;
    },
    random: () => 0.5,
    newId: () => crypto.randomUUID(),
    ...overrides,
  };

  return {
    ports,
    webhooks,
    records,
    owners,
    published,
    sent,
    /** The answers the next sends get, in order (then 200s). */
    answer: (...next: Attempt[]) => answerFor("*", ...next),
    /** The same, for one URL only. */
    answerFor,
    failPublishing: (fails: boolean) => {
      publishFails = fails;
    },
    advance: (ms: number) => {
      clock += ms;
    },
    record: (eventId: string, target: Target) => records.get(key(eventId, target)),
  };
}

export const status = (code: number, excerpt = ""): Attempt => ({
  kind: "answered",
  status: code,
  excerpt,
});

export function aWebhook(overrides: Partial<Webhook> = {}): Webhook {
  return {
    id: crypto.randomUUID(),
    ownerId: "owner-1",
    url: "https://hooks.example.com/in",
    events: ["upload.file.ready", "upload.file.received"],
    secret: "whsec_test-secret",
    enabled: true,
    consecutiveFailures: 0,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}
