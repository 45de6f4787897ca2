import { randomUUID } from "node:crypto";
import { invalidParameter, SnsError } from "./errors.ts";
import {
  attributesSize,
  type MessageAttributeInput,
  type MessageAttributes,
  validateMessageAttributes,
} from "./message-attributes.ts";

/** Publish's input, in the SDK's own names, so the platform can publish as a client would. */
export interface PublishInput {
  TopicArn?: string;
  TargetArn?: string;
  PhoneNumber?: string;
  Message?: string;
  Subject?: string;
  MessageStructure?: string;
  MessageAttributes?: Record<string, MessageAttributeInput>;
  MessageDeduplicationId?: string;
  MessageGroupId?: string;
}

export interface PublishBatchEntry
  extends Omit<PublishInput, "TopicArn" | "TargetArn" | "PhoneNumber"> {
  Id: string;
}

/** A message accepted for a topic, before it is shaped for each subscriber. */
export interface Outgoing {
  messageId: string;
  topicArn: string;
  message: string;
  /** MessageStructure=json: a message per protocol, `default` for the others. */
  perProtocol?: Map<string, string>;
  subject?: string;
  attributes: MessageAttributes;
  timestamp: string;
}

export const MAX_MESSAGE_BYTES = 262_144;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** The message text a protocol gets. */
export function messageFor(message: Outgoing, protocol: string): string {
  return message.perProtocol?.get(protocol) ?? message.message;
}

/** The topic a Publish names: TopicArn, or a topic's ARN in TargetArn as SNS also allows. */
export function publishTarget(input: PublishInput): string {
  if (input.PhoneNumber !== undefined)
    throw invalidParameter(
      "Invalid parameter: PhoneNumber Reason: the local cloud does not send SMS",
    );
  const arn = input.TopicArn ?? input.TargetArn;
  if (arn === undefined)
    throw invalidParameter(
      "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter",
    );
  if (arn.includes(":endpoint/"))
    throw invalidParameter(
      "Invalid parameter: TargetArn Reason: the local cloud has no mobile push endpoints",
    );
  return arn;
}

/** Checks one message as Publish does, in the order SNS reports problems. */
export function acceptMessage(
  input: Omit<PublishInput, "TopicArn" | "TargetArn" | "PhoneNumber">,
  topicArn: string,
  now: Date,
): Outgoing {
  const { Subject: subject, Message: message } = input;
  // Subjects are one line of printable ASCII, at most 100 characters.
  if (subject !== undefined && !/^[\x20-\x7e]{1,100}$/.test(subject))
    throw invalidParameter("Invalid parameter: Subject");
  if (!message) throw invalidParameter("Invalid parameter: Empty message");
  const attributes = validateMessageAttributes(input.MessageAttributes);
  if (Buffer.byteLength(message) + attributesSize(attributes) > MAX_MESSAGE_BYTES)
    throw invalidParameter("Invalid parameter: Message too long");
  if (input.MessageDeduplicationId !== undefined)
    throw invalidParameter(
      "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
    );
  const outgoing: Outgoing = {
    messageId: randomUUID(),
    topicArn,
    message,
    subject,
    attributes,
    timestamp: now.toISOString(),
  };
  if (input.MessageStructure === "json") {
    outgoing.perProtocol = perProtocol(message);
    outgoing.message = outgoing.perProtocol.get("default") ?? "";
  } else if (input.MessageStructure !== undefined) {
    throw invalidParameter("Invalid parameter: MessageStructure");
  }
  return outgoing;
}

function perProtocol(message: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalidParameter(
      "Invalid parameter: Message Structure - JSON message body failed to parse",
    );
  }
  // Keys whose values are not strings are ignored, as SNS ignores them.
  const messages = new Map(
    Object.entries(typeof parsed === "object" && parsed !== null ? parsed : {}).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
  if (!messages.has("default"))
    throw invalidParameter(
      "Invalid parameter: Message Structure - No default entry in JSON message body",
    );
  return messages;
}

/** The request-level checks of PublishBatch; problems with one entry fail only that entry. */
export function checkBatch(entries: PublishBatchEntry[]): void {
  if (entries.length === 0)
    throw new SnsError("EmptyBatchRequest", "The batch request doesn't contain any entries.");
  if (entries.length > 10)
    throw new SnsError(
      "TooManyEntriesInBatchRequest",
      "The batch request contains more entries than permissible.",
    );
  const ids = new Set<string>();
  for (const { Id: id } of entries) {
    if (ids.has(id))
      throw new SnsError(
        "BatchEntryIdsNotDistinct",
        "Two or more batch entries in the request have the same Id.",
      );
    ids.add(id);
    if (!BATCH_ID.test(id))
      throw new SnsError(
        "InvalidBatchEntryId",
        id.length > 80
          ? `The Id of a batch entry in the batch request is too long: ${id}`
          : `The Id of a batch entry in the batch request contains an impermissible character: ${id}`,
      );
  }
  const total = entries.reduce((sum, e) => sum + Buffer.byteLength(e.Message ?? ""), 0);
  if (total > MAX_MESSAGE_BYTES)
    throw new SnsError(
      "BatchRequestTooLong",
      "The length of all the messages put together is more than the limit.",
    );
}
