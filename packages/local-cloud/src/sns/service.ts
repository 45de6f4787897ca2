import type { IncomingMessage, ServerResponse } from "node:http";
import { createSnsApi } from "./api.ts";
import type { PublishBatchEntry, PublishInput } from "./publish.ts";
import type { BatchResult, SnsOptions } from "./sns.ts";
import { Sns } from "./sns.ts";

export { isSnsRequest } from "./api.ts";
export type { PublishBatchEntry, PublishInput } from "./publish.ts";
export type { SnsOptions as SnsServiceOptions } from "./sns.ts";

export interface SnsService {
  /** The wire API, plus the SubscribeURL/UnsubscribeURL links and the signing certificate. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Idempotent by name; returns the topic ARN. */
  createTopic(name: string, attributes?: Record<string, string>): string;
  /** Returns the subscription ARN; an HTTP(S) one starts the confirmation handshake. */
  subscribe(
    topicArn: string,
    protocol: string,
    endpoint: string,
    attributes?: Record<string, string>,
  ): string;
  /** Publish, in the SDK's parameter names; returns the MessageId. Throws SnsError as the API would answer. */
  publish(input: PublishInput): string;
  publishBatch(topicArn: string, entries: PublishBatchEntry[]): BatchResult;
  /** Resolves when nothing is in flight. */
  drain(): Promise<void>;
}

/** The local SNS: one instance behind the edge, also configured directly by the platform at start. */
export function createSnsService(options: SnsOptions): SnsService {
  const sns = new Sns(options);
  const handle = createSnsApi(sns, options.log);
  const map = (record?: Record<string, string>) => new Map(Object.entries(record ?? {}));
  return {
    handle,
    createTopic: (name, attributes) => sns.store.createTopic(name, map(attributes)).arn,
    subscribe: (topicArn, protocol, endpoint, attributes) =>
      sns.subscribe(topicArn, protocol, endpoint, map(attributes)).arn,
    publish: (input) => sns.publish(input),
    publishBatch: (topicArn, entries) => sns.publishBatch(topicArn, entries),
    drain: () => sns.drain(),
  };
}
