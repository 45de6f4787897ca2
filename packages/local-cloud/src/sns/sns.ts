import type { DeadLetters } from "../dead-letters.ts";
import { type DeliveryPorts, deliverToHttp, deliverToLambda, type LambdaPort } from "./delivery.ts";
import {
  httpNotification,
  type Links,
  lambdaEvent,
  type Signing,
  subscriptionConfirmation,
} from "./envelopes.ts";
import { SnsError } from "./errors.ts";
import { attributeValues, bodyValues, matchesPolicy } from "./filter-match.ts";
import {
  acceptMessage,
  checkBatch,
  messageFor,
  type Outgoing,
  type PublishBatchEntry,
  type PublishInput,
  publishTarget,
} from "./publish.ts";
import { createSigner, type Signer } from "./signing.ts";
import { SnsStore } from "./store.ts";
import type { Subscription } from "./subscription.ts";

export interface SnsOptions {
  region: string;
  accountId: string;
  lambda: LambdaPort;
  deadLetters: DeadLetters;
  /** The edge URL: SubscribeURL, UnsubscribeURL and SigningCertURL point at it. */
  publicUrl: string;
  fetch?: typeof fetch;
  retryDelayMs?: (attempt: number) => number;
  now?: () => Date;
  log?: (line: string) => void;
}

export interface BatchResult {
  successful: { Id: string; MessageId: string }[];
  failed: { Id: string; Code: string; Message: string; SenderFault: boolean }[];
}

/** SNS's logic behind the wire: topics, the subscription handshake, publishing and fan-out. */
export class Sns {
  readonly store: SnsStore;
  private readonly ports: DeliveryPorts;
  private readonly inFlight = new Set<Promise<void>>();
  private signer?: Promise<Signer>;

  constructor(private readonly options: SnsOptions) {
    this.store = new SnsStore(options.region, options.accountId);
    this.ports = {
      lambda: options.lambda,
      deadLetters: options.deadLetters,
      fetch: options.fetch ?? fetch,
      retryDelayMs: options.retryDelayMs ?? ((attempt) => attempt * 1000),
      now: options.now ?? (() => new Date()),
      log: options.log ?? (() => {}),
    };
  }

  /** The signing key is made once, in the background, the first time something needs it. */
  signing(): Promise<Signer> {
    this.signer ??= createSigner(this.ports.now());
    return this.signer;
  }

  /** Subscribe; an HTTP(S) subscription still pending gets a (new) SubscriptionConfirmation. */
  subscribe(
    topicArn: string,
    protocol: string,
    endpoint: string | undefined,
    attributes?: Map<string, string>,
  ): Subscription {
    const sub = this.store.subscribe(topicArn, protocol, endpoint, attributes);
    if (sub.pending) this.track(this.sendConfirmation(sub));
    return sub;
  }

  publish(input: PublishInput): string {
    const topic = this.store.topic(publishTarget(input));
    const message = acceptMessage(input, topic.arn, this.ports.now());
    this.fanOut(message);
    return message.messageId;
  }

  publishBatch(topicArn: string, entries: PublishBatchEntry[]): BatchResult {
    const topic = this.store.topic(topicArn);
    checkBatch(entries);
    const result: BatchResult = { successful: [], failed: [] };
    for (const entry of entries) {
      try {
        const message = acceptMessage(entry, topic.arn, this.ports.now());
        this.fanOut(message);
        result.successful.push({ Id: entry.Id, MessageId: message.messageId });
      } catch (error) {
        if (!(error instanceof SnsError)) throw error;
        result.failed.push({
          Id: entry.Id,
          Code: error.code,
          Message: error.message,
          SenderFault: error.fault === "Sender",
        });
      }
    }
    return result;
  }

  /** Resolves once nothing is in flight: confirmations, deliveries, their retries and dead letters. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private fanOut(message: Outgoing): void {
    const version = this.store.topic(message.topicArn).attributes.get("SignatureVersion") ?? "1";
    for (const sub of this.store.subscriptionsOf(message.topicArn)) {
      if (sub.pending || !passesFilter(sub, message)) continue;
      this.track(this.deliver(sub, message, version));
    }
  }

  private async deliver(sub: Subscription, message: Outgoing, version: string): Promise<void> {
    const signing = await this.signingFor(version);
    if (sub.protocol === "lambda")
      return deliverToLambda(this.ports, sub, lambdaEvent(message, sub, signing));
    await deliverToHttp(this.ports, sub, httpNotification(message, sub, signing), {
      wanted: () => this.store.has(sub.arn),
      deadLetter: true,
    });
  }

  private async sendConfirmation(sub: Subscription): Promise<void> {
    const version = this.store.topic(sub.topicArn).attributes.get("SignatureVersion") ?? "1";
    const request = subscriptionConfirmation(sub, await this.signingFor(version), this.ports.now());
    // Confirmations are retried like notifications but never dead-lettered.
    await deliverToHttp(this.ports, sub, request, {
      wanted: () => this.store.has(sub.arn) && sub.pending,
      deadLetter: false,
    });
  }

  private async signingFor(version: string): Promise<Signing> {
    const signer = await this.signing();
    const base = this.options.publicUrl.replace(/\/+$/, "");
    const links: Links = {
      signingCertUrl: `${base}/${signer.certificateName}`,
      subscribeUrl: (topicArn, token) =>
        `${base}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`,
      unsubscribeUrl: (arn) =>
        `${base}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(arn)}`,
    };
    return { signer, version, links };
  }

  private track(task: Promise<void>): void {
    const tracked: Promise<void> = task
      .catch((error: unknown) =>
        this.ports.log(`sns delivery failed: ${(error as Error).stack ?? String(error)}`),
      )
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}

/** No policy lets everything through; a body policy needs the (protocol's) message to be a JSON object. */
function passesFilter(sub: Subscription, message: Outgoing): boolean {
  if (!sub.filterPolicy) return true;
  const valuesAt =
    sub.filterScope === "MessageBody"
      ? bodyValues(messageFor(message, sub.protocol))
      : attributeValues(message.attributes);
  return valuesAt !== undefined && matchesPolicy(sub.filterPolicy.compiled, valuesAt);
}
