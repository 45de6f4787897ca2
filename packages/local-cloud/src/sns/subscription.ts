import { invalidParameter } from "./errors.ts";
import {
  type CompiledPolicy,
  compileFilterPolicy,
  FilterPolicyError,
  type FilterScope,
} from "./filter-policy.ts";

export const PROTOCOLS = ["lambda", "http", "https"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** What SNS knows of other protocols, refused locally with a message saying so. */
const AWS_PROTOCOLS = ["sqs", "email", "email-json", "sms", "application", "firehose"];

export interface Subscription {
  arn: string;
  topicArn: string;
  protocol: Protocol;
  endpoint: string;
  owner: string;
  /** HTTP(S) subscriptions wait for the endpoint to confirm; nothing is delivered until then. */
  pending: boolean;
  token: string;
  confirmationWasAuthenticated: boolean;
  rawMessageDelivery: boolean;
  filterScope: FilterScope;
  filterPolicy?: { text: string; compiled: CompiledPolicy };
  /** RedrivePolicy as set, and the dead-letter queue it names (the ARN's last segment). */
  redrivePolicy?: { text: string; queue: string };
  deliveryPolicy?: string;
}

/** Refuses what Subscribe would refuse about the protocol and endpoint. */
export function checkEndpoint(protocol: string, endpoint: string | undefined): Protocol {
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    if (AWS_PROTOCOLS.includes(protocol))
      throw invalidParameter(
        `Invalid parameter: Protocol Reason: the local cloud does not deliver to ${protocol} subscriptions`,
      );
    throw invalidParameter(
      `Invalid parameter: Amazon SNS does not support this protocol string: ${protocol}`,
    );
  }
  if (!endpoint) throw invalidParameter("Invalid parameter: Endpoint");
  if ((protocol === "http" || protocol === "https") && !endpoint.startsWith(`${protocol}://`))
    throw invalidParameter("Invalid parameter: Endpoint must match the specified protocol");
  if (protocol === "lambda" && !/^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:.+/.test(endpoint))
    throw invalidParameter("Invalid parameter: Lambda endpoint ARN");
  return protocol as Protocol;
}

const SETTABLE = [
  "DeliveryPolicy",
  "FilterPolicy",
  "FilterPolicyScope",
  "RawMessageDelivery",
  "RedrivePolicy",
  "SubscriptionRoleArn",
];

/**
 * Sets one attribute, validated as SNS validates it. Subscribe reports problems as
 * "Invalid parameter: Attributes Reason: …", SetSubscriptionAttributes as "Invalid parameter: …".
 */
export function setSubscriptionAttribute(
  sub: Subscription,
  name: string,
  value: string,
  via: "Subscribe" | "SetSubscriptionAttributes",
): void {
  const prefix =
    via === "Subscribe" ? "Invalid parameter: Attributes Reason: " : "Invalid parameter: ";
  const refuse = (reason: string) => invalidParameter(`${prefix}${reason}`);
  if (!SETTABLE.includes(name)) throw refuse("AttributeName");
  switch (name) {
    case "FilterPolicyScope": {
      if (value !== "MessageAttributes" && value !== "MessageBody")
        throw refuse(
          `FilterPolicyScope: Invalid value [${value}]. Please use either MessageBody or MessageAttributes`,
        );
      // The policy in place must still be valid under the new scope.
      const compiled = sub.filterPolicy && compile(sub.filterPolicy.text, value, refuse);
      sub.filterScope = value;
      if (sub.filterPolicy && compiled) sub.filterPolicy.compiled = compiled;
      return;
    }
    case "FilterPolicy":
      sub.filterPolicy =
        value.trim() === ""
          ? undefined
          : { text: value, compiled: compile(value, sub.filterScope, refuse) };
      return;
    case "RawMessageDelivery": {
      const raw = value.toLowerCase();
      if (raw !== "true" && raw !== "false")
        throw refuse(`RawMessageDelivery: Invalid value [${value}]. Must be true or false.`);
      if (raw === "true" && sub.protocol === "lambda")
        throw refuse(`Delivery protocol [${sub.protocol}] does not support raw message delivery.`);
      sub.rawMessageDelivery = raw === "true";
      return;
    }
    case "RedrivePolicy":
      sub.redrivePolicy = value.trim() === "" ? undefined : redrivePolicy(value, refuse);
      return;
    case "DeliveryPolicy":
      sub.deliveryPolicy = value;
      return;
  }
}

function compile(
  text: string,
  scope: FilterScope,
  refuse: (reason: string) => Error,
): CompiledPolicy {
  try {
    return compileFilterPolicy(text, scope);
  } catch (error) {
    if (error instanceof FilterPolicyError) throw refuse(error.message);
    throw error;
  }
}

function redrivePolicy(text: string, refuse: (reason: string) => Error) {
  let target: unknown;
  try {
    target = (JSON.parse(text) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
  } catch {
    throw refuse("RedrivePolicy: failed to parse JSON.");
  }
  if (typeof target !== "string" || target.split(":").length < 6)
    throw refuse("RedrivePolicy: deadLetterTargetArn is an invalid arn");
  return { text, queue: target.split(":").pop() ?? "" };
}

/** GetSubscriptionAttributes' map. */
export function subscriptionAttributes(sub: Subscription): Map<string, string> {
  const out = new Map<string, string>([
    ["ConfirmationWasAuthenticated", String(sub.confirmationWasAuthenticated)],
    ["Endpoint", sub.endpoint],
    ["Owner", sub.owner],
    ["PendingConfirmation", String(sub.pending)],
    ["Protocol", sub.protocol],
    ["RawMessageDelivery", String(sub.rawMessageDelivery)],
    ["SubscriptionArn", sub.arn],
    ["TopicArn", sub.topicArn],
  ]);
  if (sub.filterPolicy) {
    out.set("FilterPolicy", sub.filterPolicy.text);
    out.set("FilterPolicyScope", sub.filterScope);
  }
  if (sub.redrivePolicy) out.set("RedrivePolicy", sub.redrivePolicy.text);
  if (sub.deliveryPolicy) out.set("DeliveryPolicy", sub.deliveryPolicy);
  if (sub.protocol !== "lambda") out.set("EffectiveDeliveryPolicy", EFFECTIVE_DELIVERY_POLICY);
  return out;
}

/** SNS's default HTTP/S delivery policy, which the local delivery follows (attempt count, not the waits). */
export const EFFECTIVE_DELIVERY_POLICY = JSON.stringify({
  healthyRetryPolicy: {
    minDelayTarget: 20,
    maxDelayTarget: 20,
    numRetries: 3,
    numMaxDelayRetries: 0,
    numNoDelayRetries: 0,
    numMinDelayRetries: 0,
    backoffFunction: "linear",
  },
  sicklyRetryPolicy: null,
  throttlePolicy: null,
  guaranteed: false,
});
