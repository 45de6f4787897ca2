import { parse } from "@platform/events";
import { runAttempts } from "./attempts.ts";
import {
  NOTIFIED,
  type Notice,
  noticeAttributes,
  parseTmpKey,
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
  /** Owed from before the webhook was disabled: kept for a redrive once it is enabled again. */
  | "owed-disabled";

export interface FanOutResult {
  eventId: string;
  type: string;
  sns: "published" | "already-done" | "in-progress" | "failed";
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

// A record and the webhook answer must be written after the last attempt: keep time for that.
const RECORD_MARGIN_MS = 2_000;
// A lease outlives its holder's invocation a little, never more.
const LEASE_MARGIN_MS = 5_000;

// How often a delivery another invocation holds is looked at again.
const POLL_MS = 500;

const doneStatuses = new Set(["delivered", "rejected"]);
const OWED = new Set<string>(["failed", "owed-disabled", "in-progress"]);

/**
 * Takes a delivery for this invocation. While another live invocation holds it (a duplicate
 * event running at the same time, or a crashed run whose lease has not lapsed), waits for that
 * one to finish or lapse, as long as this invocation has time: "busy" then, and still owed.
 */
async function take(ports: Ports, eventId: string, target: Target, inv: Invocation) {
  const lease = inv.deadline + LEASE_MARGIN_MS;
  for (;;) {
    const now = ports.now().getTime();
    const claim = await ports.deliveries.claim(eventId, target, inv.requestId, lease, now);
    if (claim.claimed) return "claimed";
    if (claim.record && doneStatuses.has(claim.record.status)) return "done";
    if (now + POLL_MS > inv.deadline - RECORD_MARGIN_MS) return "busy";
    await ports.sleep(POLL_MS);
  }
}

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
  inv: Invocation,
): Promise<FanOutResult["sns"]> {
  const taken = await take(ports, notice.id, "sns", inv);
  if (taken !== "claimed") return taken === "done" ? "already-done" : "in-progress";
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
  if (taken !== "claimed")
    return { webhookId, outcome: taken === "done" ? "already-done" : "in-progress" };
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
    { ...ports, deadline: inv.deadline - RECORD_MARGIN_MS },
  );
  const at = ports.now().toISOString();
  const { firstFailure } = await ports.deliveries.finish(notice.id, target, inv.requestId, {
    ...run,
    at,
  });
  const change = run.status === "delivered" ? "success" : firstFailure ? "failure" : "none";
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
  );
  return {
    webhookId,
    outcome: run.status,
    attempts: run.attempts,
    ...(run.error ? { error: run.error } : {}),
  };
}

/** Webhooks this event goes to: those subscribed to it now, and any it was owed to before. */
async function deliverAll(ports: Ports, notice: Notice, ownerId: string, inv: Invocation) {
  const [webhooks, records] = await Promise.all([
    ports.webhooks.list(ownerId),
    ports.deliveries.ofEvent(notice.id),
  ]);
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
    notice = receivedNotice(event, file, (await ownerOf(ports, file.fileId))?.ownerId);
  } else {
    notice = platformNotice(event);
  }
  const sns = await publishOnce(ports, notice, inv);
  const ownerId = notice.data.ownerId;
  const webhooks = ownerId ? await deliverAll(ports, notice, ownerId, inv) : [];
  const result: FanOutResult = { eventId: notice.id, type: notice.type, sns, webhooks };
  if (OWED.has(sns) || webhooks.some((w) => OWED.has(w.outcome)))
    throw new DeliveriesFailed(result);
  return result;
}
