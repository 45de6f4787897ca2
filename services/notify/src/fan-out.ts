import { parse } from "@platform/events";
import { parseTmpKey } from "@platform/manifest";
import { attemptFits, runAttempts } from "./attempts.ts";
import {
  NOTIFIED,
  type Notice,
  noticeAttributes,
  platformNotice,
  receivedNotice,
} from "./notice.ts";
import type { DeliveryRecord, FileOwner, Ports, Target, Webhook } from "./ports.ts";
import { deliveryHeaders } from "./signature.ts";

/** The invocation doing the work: Lambda keeps its request id across its own retries. */
export interface Invocation {
  requestId: string;
  /** Epoch ms at which the invocation is stopped. */
  deadline: number;
}

export type DeliveryOutcome =
  | "delivered"
  | "failed"
  | "rejected"
  /** Done before: by an earlier run, a retry or a duplicate event. */
  | "already-done"
  /** Another invocation held it for as long as this one could wait: still owed. */
  | "in-progress"
  /** This invocation had no time left for one attempt: not started, still owed. */
  | "no-time"
  /** Owed from before the webhook was disabled: kept for a redrive once it is enabled again. */
  | "owed-disabled";

export interface FanOutResult {
  eventId: string;
  type: string;
  sns: "published" | "already-done" | "in-progress" | "no-time" | "failed";
  webhooks: { webhookId: string; outcome: DeliveryOutcome; attempts?: number; error?: string }[];
}

/** Thrown when something is still owed, so Lambda retries the event and then dead-letters it. */
export class DeliveriesFailed extends Error {
  constructor(readonly result: FanOutResult) {
    const owed = [
      ...(OWED.has(result.sns) ? [`sns (${result.sns})`] : []),
      ...result.webhooks
        .filter((w) => OWED.has(w.outcome))
        .map((w) => `webhook ${w.webhookId} (${w.outcome}${w.error ? `: ${w.error}` : ""})`),
    ];
    super(`event ${result.eventId} still owes ${owed.join(", ")}`);
    this.name = "DeliveriesFailed";
  }
}

/** Thrown while young bytes' owner is unknown: nothing was published, so that Lambda retries. */
export class OwnerNotYetKnown extends Error {
  constructor(fileId: string, ageMs: number) {
    super(`the owner of file ${fileId} is not known yet (bytes ${Math.round(ageMs / 1000)} s old)`);
    this.name = "OwnerNotYetKnown";
  }
}

// A lease outlives its holder's invocation a little, never more.
const LEASE_MARGIN_MS = 5_000;

// How often a delivery another invocation holds is looked at again.
const POLL_MS = 500;

const doneStatuses = new Set(["delivered", "rejected"]);
const OWED = new Set<string>(["failed", "owed-disabled", "in-progress", "no-time"]);

/**
 * Takes a delivery for this invocation, only while it has time for an attempt ("no-time"
 * otherwise). While another live invocation holds it (a duplicate event running at the same
 * time, or a crashed run whose lease has not lapsed), waits for that one to finish or lapse, as
 * long as this invocation has time: "busy" then, and still owed.
 */
async function take(ports: Ports, eventId: string, target: Target, inv: Invocation) {
  const lease = inv.deadline + LEASE_MARGIN_MS;
  for (let waited = false; ; waited = true) {
    const now = ports.now().getTime();
    if (!attemptFits(ports.policy, now, inv.deadline)) return waited ? "busy" : "no-time";
    const claim = await ports.deliveries.claim(eventId, target, inv.requestId, lease, now);
    if (claim.claimed) return "claimed";
    if (claim.record && doneStatuses.has(claim.record.status)) return "done";
    await ports.sleep(POLL_MS);
  }
}

const notTaken = { done: "already-done", busy: "in-progress", "no-time": "no-time" } as const;

/** The owner of a file whose bytes arrived, waiting briefly for the request's event if needed. */
async function ownerOf(ports: Ports, fileId: string): Promise<FileOwner | undefined> {
  const until = ports.now().getTime() + ports.policy.ownerWaitMs;
  for (;;) {
    const owner = await ports.owners.find(fileId);
    if (owner || ports.now().getTime() >= until) return owner;
    await ports.sleep(Math.min(250, ports.policy.ownerWaitMs));
  }
}

async function publishOnce(
  ports: Ports,
  notice: Notice,
  record: DeliveryRecord | undefined,
  inv: Invocation,
): Promise<FanOutResult["sns"]> {
  if (record && doneStatuses.has(record.status)) return "already-done";
  const taken = await take(ports, notice.id, "sns", inv);
  if (taken !== "claimed") return notTaken[taken];
  const finish = (status: "delivered" | "failed", error?: string) =>
    ports.deliveries.finish(notice.id, "sns", inv.requestId, {
      status,
      attempts: 1,
      at: ports.now().toISOString(),
      ...(error ? { error } : {}),
    });
  try {
    await ports.topic.publish(JSON.stringify(notice), noticeAttributes(notice));
  } catch (error) {
    await finish("failed", (error as Error).name);
    return "failed";
  }
  await finish("delivered");
  return "published";
}

async function deliverOne(
  ports: Ports,
  notice: Notice,
  webhook: Webhook,
  record: DeliveryRecord | undefined,
  inv: Invocation,
): Promise<FanOutResult["webhooks"][number]> {
  const webhookId = webhook.id;
  if (record && doneStatuses.has(record.status)) return { webhookId, outcome: "already-done" };
  if (!webhook.enabled) return { webhookId, outcome: "owed-disabled" };
  const target = `webhook:${webhookId}` as const;
  const taken = await take(ports, notice.id, target, inv);
  if (taken !== "claimed") return { webhookId, outcome: notTaken[taken] };
  const body = JSON.stringify(notice);
  const signed = { webhookId, eventId: notice.id, secret: webhook.secret, body };
  const run = await runAttempts(
    () =>
      ports.send(
        webhook.url,
        deliveryHeaders(signed, ports.now()),
        body,
        ports.policy.attemptTimeoutMs,
      ),
    { ...ports, deadline: inv.deadline },
  );
  const at = ports.now().toISOString();
  const epoch = webhook.epoch ?? 0;
  const { counts } = await ports.deliveries.finish(notice.id, target, inv.requestId, {
    ...run,
    at,
    epoch,
  });
  // Time ran out between the claim and the first attempt: nothing was sent, nothing to record.
  if (run.attempts === 0) return { webhookId, outcome: "no-time" };
  const change = run.status === "delivered" ? "success" : counts ? "failure" : "none";
  const last = {
    eventId: notice.id,
    at,
    outcome: run.status,
    ...(run.responseStatus ? { status: run.responseStatus } : {}),
  };
  await ports.webhooks.recordOutcome(
    webhook.ownerId,
    webhookId,
    last,
    change,
    ports.policy.disableAfter,
    epoch,
  );
  return {
    webhookId,
    outcome: run.status,
    attempts: run.attempts,
    ...(run.error ? { error: run.error } : {}),
  };
}

/** Webhooks this event goes to: those subscribed to it now, and any it was owed to before. */
async function deliverAll(
  ports: Ports,
  notice: Notice,
  ownerId: string,
  records: DeliveryRecord[],
  inv: Invocation,
) {
  const webhooks = await ports.webhooks.list(ownerId);
  const owed = new Map(
    records
      .filter((r) => r.target.startsWith("webhook:"))
      .map((r) => [r.target.slice("webhook:".length), r]),
  );
  const targets = webhooks.filter(
    (w) => owed.has(w.id) || (w.enabled && (w.events as string[]).includes(notice.type)),
  );
  return Promise.all(targets.map((w) => deliverOne(ports, notice, w, owed.get(w.id), inv)));
}

/**
 * One event: its notice published to SNS once, then delivered to each of the owner's webhooks
 * once. Work already done (by a retry, a redrive or a duplicate event) is skipped; anything
 * still owed at the end fails the invocation, so Lambda retries it and finally dead-letters it.
 */
export async function fanOut(
  ports: Ports,
  raw: unknown,
  inv: Invocation,
): Promise<FanOutResult | { skipped: string }> {
  const event = parse(NOTIFIED, raw);
  let notice: Notice;
  if (event.source === "aws.s3") {
    const file = parseTmpKey(event.detail.object.key);
    if (!file) return { skipped: "an object the upload API did not name" };
    const owner = await ownerOf(ports, file.fileId);
    const age = ports.now().getTime() - new Date(event.time).getTime();
    if (!owner && age < ports.policy.ownerGraceMs) throw new OwnerNotYetKnown(file.fileId, age);
    notice = receivedNotice(event, file, owner?.ownerId);
  } else {
    notice = platformNotice(event);
  }
  const records = await ports.deliveries.ofEvent(notice.id);
  const sns = await publishOnce(
    ports,
    notice,
    records.find((r) => r.target === "sns"),
    inv,
  );
  const ownerId = notice.data.ownerId;
  const webhooks = ownerId ? await deliverAll(ports, notice, ownerId, records, inv) : [];
  const result: FanOutResult = { eventId: notice.id, type: notice.type, sns, webhooks };
  if (OWED.has(sns) || webhooks.some((w) => OWED.has(w.outcome)))
    throw new DeliveriesFailed(result);
  return result;
}
