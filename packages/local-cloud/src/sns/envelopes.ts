import { randomUUID } from "node:crypto";
import { attributesJson } from "./message-attributes.ts";
import { messageFor, type Outgoing } from "./publish.ts";
import { type Signer, stringToSign } from "./signing.ts";
import type { Subscription } from "./subscription.ts";

/** What SNS wraps around a message for each kind of subscriber, signed, with its links. */

export interface Links {
  signingCertUrl: string;
  subscribeUrl(topicArn: string, token: string): string;
  unsubscribeUrl(subscriptionArn: string): string;
}

export interface Signing {
  signer: Signer;
  /** The topic's SignatureVersion attribute: "1" (SHA1) unless set to "2" (SHA256). */
  version: string;
  links: Links;
}

export interface HttpRequest {
  headers: Record<string, string>;
  body: string;
}

/** The signed `Notification` fields, in the order SNS writes them. */
function signedNotification(message: Outgoing, sub: Subscription, signing: Signing) {
  const fields = {
    Type: "Notification",
    MessageId: message.messageId,
    TopicArn: message.topicArn,
    Subject: message.subject,
    Message: messageFor(message, sub.protocol),
    Timestamp: message.timestamp,
  };
  return {
    ...fields,
    SignatureVersion: signing.version,
    Signature: signing.signer.sign(stringToSign(fields), signing.version),
  };
}

/** An HTTP(S) notification: the JSON document, or the bare message with RawMessageDelivery. */
export function httpNotification(
  message: Outgoing,
  sub: Subscription,
  signing: Signing,
): HttpRequest {
  const headers = snsHeaders("Notification", message.messageId, message.topicArn);
  headers["x-amz-sns-subscription-arn"] = sub.arn;
  if (sub.rawMessageDelivery) {
    headers["x-amz-sns-rawdelivery"] = "true";
    return { headers, body: messageFor(message, sub.protocol) };
  }
  const body = {
    ...signedNotification(message, sub, signing),
    SigningCertURL: signing.links.signingCertUrl,
    UnsubscribeURL: signing.links.unsubscribeUrl(sub.arn),
    MessageAttributes: message.attributes.size > 0 ? attributesJson(message.attributes) : undefined,
  };
  return { headers, body: JSON.stringify(body) };
}

/** The event Lambda receives from SNS (Subject null when there is none, as AWS sends it). */
export function lambdaEvent(message: Outgoing, sub: Subscription, signing: Signing): string {
  const { Subject, ...signed } = signedNotification(message, sub, signing);
  return JSON.stringify({
    Records: [
      {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: sub.arn,
        Sns: {
          Type: signed.Type,
          MessageId: signed.MessageId,
          TopicArn: signed.TopicArn,
          Subject: Subject ?? null,
          Message: signed.Message,
          Timestamp: signed.Timestamp,
          SignatureVersion: signed.SignatureVersion,
          Signature: signed.Signature,
          SigningCertUrl: signing.links.signingCertUrl,
          UnsubscribeUrl: signing.links.unsubscribeUrl(sub.arn),
          MessageAttributes: attributesJson(message.attributes),
        },
      },
    ],
  });
}

/** The first message an HTTP(S) endpoint gets: visit SubscribeURL (or call ConfirmSubscription) to confirm. */
export function subscriptionConfirmation(
  sub: Subscription,
  signing: Signing,
  now: Date,
): HttpRequest {
  const fields = {
    Type: "SubscriptionConfirmation",
    MessageId: randomUUID(),
    Token: sub.token,
    TopicArn: sub.topicArn,
    Message: `You have chosen to subscribe to the topic ${sub.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: signing.links.subscribeUrl(sub.topicArn, sub.token),
    Timestamp: now.toISOString(),
  };
  const body = {
    ...fields,
    SignatureVersion: signing.version,
    Signature: signing.signer.sign(stringToSign(fields), signing.version),
    SigningCertURL: signing.links.signingCertUrl,
  };
  return {
    headers: snsHeaders(fields.Type, fields.MessageId, sub.topicArn),
    body: JSON.stringify(body),
  };
}

function snsHeaders(type: string, messageId: string, topicArn: string): Record<string, string> {
  return {
    "content-type": "text/plain; charset=UTF-8",
    "user-agent": "Amazon Simple Notification Service Agent",
    "x-amz-sns-message-type": type,
    "x-amz-sns-message-id": messageId,
    "x-amz-sns-topic-arn": topicArn,
  };
}
