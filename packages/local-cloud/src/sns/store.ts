import { randomBytes, randomUUID } from "node:crypto";
import { invalidParameter, subscriptionNotFound, topicNotFound } from "./errors.ts";
import {
  checkEndpoint,
  EFFECTIVE_DELIVERY_POLICY,
  type Subscription,
  setSubscriptionAttribute,
  subscriptionAttributes,
} from "./subscription.ts";

export interface Topic {
  arn: string;
  name: string;
  /** Only what was set; GetTopicAttributes adds the computed ones. */
  attributes: Map<string, string>;
}

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const TOPIC_ATTRIBUTES = [
  "DeliveryPolicy",
  "DisplayName",
  "Policy",
  "SignatureVersion",
  "TracingConfig",
  "KmsMasterKeyId",
];
/** Attributes two Subscribe calls must agree on to be the same subscription. */
const IDENTITY = ["FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy"];
const PAGE = 100;
const TOPIC_DELIVERY_POLICY = JSON.stringify({
  http: {
    defaultHealthyRetryPolicy: JSON.parse(EFFECTIVE_DELIVERY_POLICY).healthyRetryPolicy,
    disableSubscriptionOverrides: false,
    defaultRequestPolicy: { headerContentType: "text/plain; charset=UTF-8" },
  },
});

/** Topics and their subscriptions, in memory, with SNS's rules for changing them. */
export class SnsStore {
  private readonly topics = new Map<string, Topic>();
  private readonly subscriptions = new Map<string, Subscription>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  topicArn(name: string): string {
    return `arn:aws:sns:${this.region}:${this.accountId}:${name}`;
  }

  /** Idempotent by name, as long as the attributes asked for agree with the topic's. */
  createTopic(name: string, attributes = new Map<string, string>()): Topic {
    if (!TOPIC_NAME.test(name)) throw invalidParameter("Invalid parameter: Topic Name");
    if (attributes.get("FifoTopic")?.toLowerCase() === "true")
      throw invalidParameter(
        "Invalid parameter: Attributes Reason: FifoTopic: the local cloud has standard topics only",
      );
    attributes.delete("FifoTopic");
    const existing = this.topics.get(this.topicArn(name));
    if (existing) {
      for (const [key, value] of attributes)
        if (existing.attributes.get(key) !== value)
          throw invalidParameter(
            "Invalid parameter: Attributes Reason: Topic already exists with different attributes",
          );
      return existing;
    }
    const topic: Topic = { arn: this.topicArn(name), name, attributes: new Map() };
    for (const [key, value] of attributes) setTopicAttribute(topic, key, value);
    this.topics.set(topic.arn, topic);
    return topic;
  }

  /** Deleting a topic that does not exist is not an error in SNS. */
  deleteTopic(arn: string): void {
    checkArn(arn, "TopicArn");
    this.topics.delete(arn);
    for (const sub of this.subscriptions.values())
      if (sub.topicArn === arn) this.subscriptions.delete(sub.arn);
  }

  topic(arn: string | undefined): Topic {
    checkArn(arn, "TopicArn");
    const topic = this.topics.get(arn ?? "");
    if (!topic) throw topicNotFound();
    return topic;
  }

  listTopics(nextToken?: string) {
    return page([...this.topics.values()], nextToken);
  }

  topicAttributes(topic: Topic): Map<string, string> {
    const subs = this.subscriptionsOf(topic.arn);
    return new Map([
      ["TopicArn", topic.arn],
      ["Owner", this.accountId],
      ["Policy", defaultPolicy(topic.arn, this.accountId)],
      ["DisplayName", ""],
      ["SubscriptionsConfirmed", String(subs.filter((s) => !s.pending).length)],
      ["SubscriptionsPending", String(subs.filter((s) => s.pending).length)],
      ["SubscriptionsDeleted", "0"],
      ["EffectiveDeliveryPolicy", TOPIC_DELIVERY_POLICY],
      ...topic.attributes,
    ]);
  }

  /** A new subscription, or the existing one for the same endpoint: Subscribe is idempotent. */
  subscribe(
    topicArn: string,
    protocol: string,
    endpoint: string | undefined,
    attributes = new Map<string, string>(),
  ): Subscription {
    const topic = this.topic(topicArn);
    const checked = checkEndpoint(protocol, endpoint);
    const pending = checked === "http" || checked === "https";
    const sub: Subscription = {
      arn: `${topic.arn}:${randomUUID()}`,
      topicArn: topic.arn,
      protocol: checked,
      endpoint: endpoint ?? "",
      owner: this.accountId,
      pending,
      token: randomBytes(64).toString("hex"),
      confirmationWasAuthenticated: !pending,
      rawMessageDelivery: false,
      filterScope: "MessageAttributes",
    };
    // The scope first, so the policy is checked against the scope it will be used with.
    const ordered = [...attributes].sort(
      ([a], [b]) => Number(b === "FilterPolicyScope") - Number(a === "FilterPolicyScope"),
    );
    for (const [name, value] of ordered) setSubscriptionAttribute(sub, name, value, "Subscribe");

    const existing = this.subscriptionsOf(topic.arn).find(
      (s) => s.protocol === sub.protocol && s.endpoint === sub.endpoint,
    );
    if (existing) {
      const [was, asked] = [subscriptionAttributes(existing), subscriptionAttributes(sub)];
      if (IDENTITY.some((key) => attributes.has(key) && was.get(key) !== asked.get(key)))
        throw invalidParameter(
          "Invalid parameter: Attributes Reason: Subscription already exists with different attributes",
        );
      return existing;
    }
    this.subscriptions.set(sub.arn, sub);
    return sub;
  }

  /** ConfirmSubscription, or a GET of the SubscribeURL: the token must be the one sent for this topic. */
  confirm(topicArn: string, token: string, authenticated: boolean): Subscription {
    const topic = this.topic(topicArn);
    const sub = this.subscriptionsOf(topic.arn).find((s) => s.token === token);
    if (!sub) throw invalidParameter("Invalid parameter: Token");
    if (sub.pending) {
      sub.pending = false;
      sub.confirmationWasAuthenticated = authenticated;
    }
    return sub;
  }

  subscription(arn: string): Subscription {
    checkArn(arn, "SubscriptionArn");
    const sub = this.subscriptions.get(arn);
    if (!sub) throw subscriptionNotFound();
    return sub;
  }

  has(arn: string): boolean {
    return this.subscriptions.has(arn);
  }

  /** Idempotent, as in SNS. */
  unsubscribe(arn: string): Subscription | undefined {
    checkArn(arn, "SubscriptionArn");
    const sub = this.subscriptions.get(arn);
    this.subscriptions.delete(arn);
    return sub;
  }

  subscriptionsOf(topicArn: string): Subscription[] {
    return [...this.subscriptions.values()].filter((s) => s.topicArn === topicArn);
  }

  listSubscriptions(topicArn?: string, nextToken?: string) {
    const subs = topicArn
      ? this.subscriptionsOf(this.topic(topicArn).arn)
      : [...this.subscriptions.values()];
    return page(subs, nextToken);
  }
}

export function setTopicAttribute(topic: Topic, name: string, value: string): void {
  if (!TOPIC_ATTRIBUTES.includes(name)) throw invalidParameter("Invalid parameter: AttributeName");
  if (name === "SignatureVersion" && value !== "1" && value !== "2")
    throw invalidParameter(
      `Invalid parameter: Attributes Reason: SignatureVersion: Invalid value [${value}]. Must be 1 or 2.`,
    );
  topic.attributes.set(name, value);
}

/** An ARN has at least six colon-separated parts; SNS says so when it has not. */
function checkArn(arn: string | undefined, parameter: string): void {
  const parts = (arn ?? "").split(":").length;
  if (!arn?.startsWith("arn:") || parts < 6)
    throw invalidParameter(
      `Invalid parameter: ${parameter} Reason: An ARN must have at least 6 elements, not ${parts}`,
    );
}

/** Pages of 100, as SNS lists; the token is the offset of the next page. */
function page<T>(items: T[], nextToken?: string): { items: T[]; nextToken?: string } {
  const start = nextToken ? Number(nextToken) : 0;
  if (!Number.isInteger(start) || start < 0) throw invalidParameter("Invalid parameter: NextToken");
  const end = start + PAGE;
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? String(end) : undefined,
  };
}

function defaultPolicy(arn: string, accountId: string): string {
  return JSON.stringify({
    Version: "2008-10-17",
    Id: "__default_policy_ID",
    Statement: [
      {
        Sid: "__default_statement_ID",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: [
          "SNS:GetTopicAttributes",
          "SNS:SetTopicAttributes",
          "SNS:AddPermission",
          "SNS:RemovePermission",
          "SNS:DeleteTopic",
          "SNS:Subscribe",
          "SNS:ListSubscriptionsByTopic",
          "SNS:Publish",
        ],
        Resource: arn,
        Condition: { StringEquals: { "AWS:SourceOwner": accountId } },
      },
    ],
  });
}
