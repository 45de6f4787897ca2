import { verdictOf } from "./attempts.ts";
import { checkDestination } from "./destination.ts";
import { type Notice, type NoticeType, TEST_NOTICE } from "./notice.ts";
import type { Ports, Webhook } from "./ports.ts";
import { MAX_WEBHOOKS_PER_OWNER } from "./settings.ts";
import { deliveryHeaders, newSecret } from "./signature.ts";

/** A webhook as its owner sees it: everything but the secret (and the bookkeeping of epochs). */
export function publicView({ secret: _, ownerId: __, epoch: ___, ...view }: Webhook) {
  return view;
}

/**
 * Registers a webhook after checking its URL where it leads now (RefusedDestination otherwise).
 * The secret is made here and returned with it, for the one answer that shows it.
 */
export async function register(
  ports: Ports,
  ownerId: string,
  input: { url: string; events: NoticeType[] },
): Promise<Webhook | "limit"> {
  const url = await checkDestination(input.url, ports.runtime, ports.resolve);
  const at = ports.now().toISOString();
  const webhook: Webhook = {
    id: ports.newId(),
    ownerId,
    url: url.href,
    events: input.events,
    secret: newSecret(),
    enabled: true,
    consecutiveFailures: 0,
    epoch: 0,
    createdAt: at,
    updatedAt: at,
  };
  const created = await ports.webhooks.create(webhook, MAX_WEBHOOKS_PER_OWNER);
  return created === "limit" ? "limit" : webhook;
}

/**
 * One signed attempt with a `webhook.test` notice, answered at once: not retried, not counted
 * against the webhook, and sent even while it is disabled, so a fixed receiver can be checked.
 * The answer is the receiver's status only (null without one): never its body, nor why nothing
 * answered, so that the test cannot be used to read or probe what a URL reaches.
 */
export async function sendTest(ports: Ports, webhook: Webhook) {
  const notice: Notice = {
    id: ports.newId(),
    type: TEST_NOTICE,
    occurredAt: ports.now().toISOString(),
    data: { webhookId: webhook.id },
  };
  const body = JSON.stringify(notice);
  const headers = deliveryHeaders(
    { webhookId: webhook.id, eventId: notice.id, secret: webhook.secret, body },
    ports.now(),
  );
  const attempt = await ports.send(webhook.url, headers, body, ports.policy.attemptTimeoutMs);
  return {
    eventId: notice.id,
    delivered: verdictOf(attempt) === "delivered",
    status: attempt.kind === "answered" ? attempt.status : null,
  };
}
