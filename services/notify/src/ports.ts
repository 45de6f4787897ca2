import type { Resolve } from "./destination.ts";
import type { NoticeType } from "./notice.ts";
import type { DeliveryPolicy, Runtime } from "./settings.ts";

/** What the notify logic needs from outside; tests pass the local platform's clients or fakes. */

export interface LastDelivery {
  eventId: string;
  at: string;
  outcome: "delivered" | "failed" | "rejected";
  /** The receiver's HTTP status, when it answered. */
  status?: number;
}

export interface Webhook {
  id: string;
  ownerId: string;
  url: string;
  events: NoticeType[];
  /** Signs deliveries. Shown once at creation; never listed, never logged. */
  secret: string;
  enabled: boolean;
  /** Deliveries that ended without a 2xx since the last one that succeeded (or since enabling). */
  consecutiveFailures: number;
  /**
   * Goes up each time the webhook is enabled. A delivery counts as a failure at most once per
   * epoch, so deliveries still owed from before count again when they fail after enabling.
   * Absent from webhooks made before it existed: 0.
   */
  epoch?: number;
  createdAt: string;
  updatedAt: string;
  disabledAt?: string;
  disabledReason?: string;
  lastDelivery?: LastDelivery;
}

export interface WebhookStore {
  /** Adds the webhook unless its owner already has `limit` of them. */
  create(webhook: Webhook, limit: number): Promise<"created" | "limit">;
  get(ownerId: string, id: string): Promise<Webhook | undefined>;
  /** The owner's webhooks, oldest first. */
  list(ownerId: string): Promise<Webhook[]>;
  remove(ownerId: string, id: string): Promise<boolean>;
  /** Enabling also forgets past failures and starts a new epoch. Undefined when there is no such webhook. */
  setEnabled(
    ownerId: string,
    id: string,
    enabled: boolean,
    at: string,
  ): Promise<Webhook | undefined>;
  /**
   * After a delivery run: a success resets the failure count; a failure counted for the first
   * time in `epoch` adds one (unless the webhook has been enabled again since), and disables the
   * webhook when the count reaches `disableAfter`.
   */
  recordOutcome(
    ownerId: string,
    id: string,
    last: LastDelivery,
    change: "success" | "failure" | "none",
    disableAfter: number,
    epoch: number,
  ): Promise<void>;
}

/** Who a delivery record is for: the SNS topic, or one webhook. */
export type Target = "sns" | `webhook:${string}`;
export type DeliveryStatus = "pending" | "delivered" | "failed" | "rejected";

/** One event's delivery to one target: done at most once, and leased while it is attempted. */
export interface DeliveryRecord {
  eventId: string;
  target: Target;
  status: DeliveryStatus;
  attempts: number;
  /** The webhook epoch in which this delivery last counted as a failure of its webhook. */
  countedIn?: number;
  /** The invocation working on it (Lambda keeps the request id across its retries) and until when. */
  holder?: string;
  leaseUntil?: number;
  responseStatus?: number;
  responseExcerpt?: string;
  error?: string;
  updatedAt: string;
}

export interface Finish {
  status: "delivered" | "failed" | "rejected";
  attempts: number;
  responseStatus?: number;
  responseExcerpt?: string;
  error?: string;
  at: string;
  /** The webhook's epoch (none for SNS): a failed run counts once in it. */
  epoch?: number;
}

export type Claim =
  | { claimed: true; record: DeliveryRecord }
  | { claimed: false; record?: DeliveryRecord };

export interface Deliveries {
  /** Every record of one event (strongly consistent). */
  ofEvent(eventId: string): Promise<DeliveryRecord[]>;
  /**
   * Takes a delivery for `holder` until `leaseUntil`, unless it is delivered or rejected, or
   * another holder's lease is still running.
   */
  claim(
    eventId: string,
    target: Target,
    holder: string,
    leaseUntil: number,
    now: number,
  ): Promise<Claim>;
  /**
   * Ends the holder's run. `counts`: the run made attempts, none succeeded, and the delivery had
   * not yet counted as a failure in `result.epoch`.
   */
  finish(
    eventId: string,
    target: Target,
    holder: string,
    result: Finish,
  ): Promise<{ counts: boolean }>;
}

export interface FileOwner {
  ownerId: string;
  purpose: string;
  entityId: string;
}

/** The projection of upload.file.requested: whose file an object under tmp/ is. */
export interface Owners {
  record(fileId: string, owner: FileOwner, at: Date): Promise<void>;
  find(fileId: string): Promise<FileOwner | undefined>;
}

export interface NotificationTopic {
  /** Returns SNS's message id. */
  publish(message: string, attributes: Record<string, string>): Promise<string>;
}

/** How one HTTP attempt ended. */
export type Attempt =
  | { kind: "answered"; status: number; retryAfter?: string; excerpt: string }
  | { kind: "network"; error: string }
  | { kind: "timeout" }
  /** The address rules refused where the URL now leads: nothing was sent. */
  | { kind: "refused"; error: string };

export type Send = (
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
) => Promise<Attempt>;

export interface Ports {
  webhooks: WebhookStore;
  deliveries: Deliveries;
  owners: Owners;
  topic: NotificationTopic;
  send: Send;
  resolve: Resolve;
  runtime: Runtime;
  policy: DeliveryPolicy;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1): picks each jittered wait. */
  random: () => number;
  newId: () => string;
}
