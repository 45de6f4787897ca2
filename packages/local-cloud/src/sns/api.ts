import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, readBody } from "../http.ts";
import { invalidParameter, SnsError } from "./errors.ts";
import { readMessageAttributes } from "./message-attributes.ts";
import type { PublishBatchEntry, PublishInput } from "./publish.ts";
import { QueryParams, sendError, sendResult, type XmlOut } from "./query.ts";
import type { Sns } from "./sns.ts";
import { setTopicAttribute } from "./store.ts";
import {
  type Subscription,
  setSubscriptionAttribute,
  subscriptionAttributes,
} from "./subscription.ts";

type Result = { [name: string]: XmlOut } | undefined;
type Action = (params: QueryParams, authenticated: boolean) => Result;

// Form encoding can triple a 256 KB message; a batch holds ten of them.
const MAX_BODY = 8 * 1024 * 1024;
const CERTIFICATE_PATH = /^\/SimpleNotificationService-[0-9a-f]+\.pem$/;

/**
 * Whether the edge should hand a request to SNS: signed for `sns`, or one of the links SNS puts in
 * its messages (SubscribeURL and UnsubscribeURL are unsigned GETs, like the certificate).
 */
export function isSnsRequest(req: IncomingMessage): boolean {
  const url = new URL(req.url ?? "/", "http://sns.local");
  if (req.method === "GET" && CERTIFICATE_PATH.test(url.pathname)) return true;
  const action = url.searchParams.get("Action");
  if (req.method === "GET" && (action === "ConfirmSubscription" || action === "Unsubscribe"))
    return true;
  return /Credential=[^/]+\/\d{8}\/[^/]+\/sns\//.test(String(req.headers.authorization ?? ""));
}

/** SNS's awsQuery API: `Action=<Operation>` in a form body (or the query of a GET). */
export function createSnsApi(sns: Sns, log: (line: string) => void = () => {}) {
  const { store } = sns;
  const listed = (s: Subscription) => ({
    SubscriptionArn: s.pending ? "PendingConfirmation" : s.arn,
    Owner: s.owner,
    Protocol: s.protocol,
    Endpoint: s.endpoint,
    TopicArn: s.topicArn,
  });
  const subscriptions = (topicArn: string | undefined, p: QueryParams): Result => {
    const { items, nextToken } = store.listSubscriptions(topicArn, p.get("NextToken"));
    return { Subscriptions: items.map(listed), NextToken: nextToken };
  };

  const actions = new Map<string, Action>([
    [
      "CreateTopic",
      (p) => ({ TopicArn: store.createTopic(p.required("Name"), p.map("Attributes")).arn }),
    ],
    ["DeleteTopic", (p) => void store.deleteTopic(p.required("TopicArn"))],
    [
      "ListTopics",
      (p) => {
        const { items, nextToken } = store.listTopics(p.get("NextToken"));
        return { Topics: items.map((t) => ({ TopicArn: t.arn })), NextToken: nextToken };
      },
    ],
    [
      "GetTopicAttributes",
      (p) => ({ Attributes: store.topicAttributes(store.topic(p.get("TopicArn"))) }),
    ],
    [
      "SetTopicAttributes",
      (p) =>
        void setTopicAttribute(
          store.topic(p.get("TopicArn")),
          p.required("AttributeName"),
          p.get("AttributeValue") ?? "",
        ),
    ],
    ["Publish", (p) => ({ MessageId: sns.publish(publishInput(p)) })],
    [
      "PublishBatch",
      (p) => {
        const entries = p.members("PublishBatchRequestEntries").map(batchEntry);
        const { successful, failed } = sns.publishBatch(p.required("TopicArn"), entries);
        return { Successful: successful, Failed: failed };
      },
    ],
    [
      "Subscribe",
      (p) => {
        const sub = sns.subscribe(
          p.required("TopicArn"),
          p.required("Protocol"),
          p.get("Endpoint"),
          p.map("Attributes"),
        );
        const shown = sub.pending && p.get("ReturnSubscriptionArn") !== "true";
        return { SubscriptionArn: shown ? "pending confirmation" : sub.arn };
      },
    ],
    [
      "ConfirmSubscription",
      (p, authenticated) => ({
        SubscriptionArn: store.confirm(p.required("TopicArn"), p.required("Token"), authenticated)
          .arn,
      }),
    ],
    ["Unsubscribe", (p) => void store.unsubscribe(p.required("SubscriptionArn"))],
    ["ListSubscriptions", (p) => subscriptions(undefined, p)],
    ["ListSubscriptionsByTopic", (p) => subscriptions(p.required("TopicArn"), p)],
    [
      "GetSubscriptionAttributes",
      (p) => ({
        Attributes: subscriptionAttributes(store.subscription(p.required("SubscriptionArn"))),
      }),
    ],
    [
      "SetSubscriptionAttributes",
      (p) =>
        void setSubscriptionAttribute(
          store.subscription(p.required("SubscriptionArn")),
          p.required("AttributeName"),
          p.get("AttributeValue") ?? "",
          "SetSubscriptionAttributes",
        ),
    ],
  ]);

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? "/", "http://sns.local");
    if (req.method === "GET" && CERTIFICATE_PATH.test(url.pathname))
      return serveCertificate(sns, url.pathname.slice(1), res);
    try {
      const params = new URLSearchParams(url.search);
      if (req.method === "POST") {
        const body = (await readBody(req, MAX_BODY)).toString("utf8");
        for (const [key, value] of new URLSearchParams(body)) params.set(key, value);
      }
      const action = params.get("Action") ?? "";
      const run = actions.get(action);
      if (!run)
        throw new SnsError(
          "InvalidAction",
          `The action ${action} is not valid for this web service.`,
        );
      // An unsigned GET of the SubscribeURL is how most endpoints confirm.
      const result = run(new QueryParams(params), req.headers.authorization !== undefined);
      sendResult(res, action, result, requestId);
    } catch (error) {
      if (error instanceof SnsError) return sendError(res, error, requestId);
      if (error instanceof BodyTooLargeError)
        return sendError(res, invalidParameter("Invalid parameter: Message too long"), requestId);
      log(`sns: ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`);
      sendError(res, new SnsError("InternalError", "Internal error", 500, "Receiver"), requestId);
    }
  };
}

function publishInput(p: QueryParams): PublishInput {
  return {
    TopicArn: p.get("TopicArn"),
    TargetArn: p.get("TargetArn"),
    PhoneNumber: p.get("PhoneNumber"),
    ...messageFields(p),
  };
}

function batchEntry(p: QueryParams): PublishBatchEntry {
  return { Id: p.get("Id") ?? "", ...messageFields(p) };
}

function messageFields(p: QueryParams) {
  return {
    Message: p.get("Message"),
    Subject: p.get("Subject"),
    MessageStructure: p.get("MessageStructure"),
    MessageAttributes: readMessageAttributes(p),
    MessageDeduplicationId: p.get("MessageDeduplicationId"),
    MessageGroupId: p.get("MessageGroupId"),
  };
}

async function serveCertificate(sns: Sns, name: string, res: ServerResponse): Promise<void> {
  const signer = await sns.signing();
  if (name !== signer.certificateName) {
    res.writeHead(404, { "content-type": "text/plain" });
    return void res.end("Not Found");
  }
  res.writeHead(200, {
    "content-type": "application/x-x509-ca-cert",
    "content-length": Buffer.byteLength(signer.certificatePem),
  });
  res.end(signer.certificatePem);
}
