import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DeadLetters } from "../src/dead-letters.ts";
import { createSnsService, type SnsService } from "../src/sns/service.ts";

const ACCOUNT = "111111111111";
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;

/** A stand-in for the local Lambda: two functions, every async invocation recorded. */
const invocations: { name: string; event: SnsEvent }[] = [];
const lambda = {
  resolve: (nameOrArn: string) => {
    const name = nameOrArn.split(":function:").pop() ?? nameOrArn;
    return ["orders", "refunds"].includes(name) ? name : undefined;
  },
  invokeAsync: (name: string, payload: string) =>
    void invocations.push({ name, event: JSON.parse(payload) as SnsEvent }),
};

interface SnsEvent {
  Records: {
    EventSource: string;
    EventSubscriptionArn: string;
    Sns: Record<string, unknown> & { Message: string; MessageAttributes: object };
  }[];
}

let root: string;
let server: Server;
let service: SnsService;
let deadLetters: DeadLetters;
let sns: SNSClient;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sns-service-"));
  deadLetters = new DeadLetters(root);
  server = createServer((req, res) => void service.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service = createSnsService({
    region: "us-east-1",
    accountId: ACCOUNT,
    lambda,
    deadLetters,
    publicUrl: endpoint,
  });
  sns = new SNSClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "k", secretAccessKey: "s" },
  });
});

afterAll(async () => {
  sns.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  invocations.length = 0;
});

async function topic(name: string): Promise<string> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  return TopicArn ?? "";
}

async function subscribeLambda(topicArn: string, fn: string, attributes?: Record<string, string>) {
  const { SubscriptionArn } = await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: "lambda",
      Endpoint: fnArn(fn),
      Attributes: attributes,
    }),
  );
  return SubscriptionArn ?? "";
}

const messagesTo = (fn: string) =>
  invocations.filter((i) => i.name === fn).map((i) => i.event.Records[0]?.Sns.Message);

describe("SNS topics", () => {
  it("creates topics idempotently, lists, describes and deletes them", async () => {
    const arn = await topic("files-ready");
    expect(arn).toBe(`arn:aws:sns:us-east-1:${ACCOUNT}:files-ready`);
    expect(await topic("files-ready")).toBe(arn);
    const { Topics } = await sns.send(new ListTopicsCommand({}));
    expect(Topics?.map((t) => t.TopicArn)).toContain(arn);
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
    expect(Attributes).toMatchObject({
      TopicArn: arn,
      Owner: ACCOUNT,
      SubscriptionsConfirmed: "0",
    });

    await sns.send(new DeleteTopicCommand({ TopicArn: arn }));
    const after = await sns.send(new ListTopicsCommand({}));
    expect(after.Topics?.map((t) => t.TopicArn)).not.toContain(arn);
  });

  it("answers NotFound for a topic that does not exist", async () => {
    const missing = `arn:aws:sns:us-east-1:${ACCOUNT}:nope`;
    await expect(
      sns.send(new PublishCommand({ TopicArn: missing, Message: "hi" })),
    ).rejects.toMatchObject({
      name: "NotFoundException",
      message: "Topic does not exist",
      $metadata: { httpStatusCode: 404 },
    });
    await expect(sns.send(new GetTopicAttributesCommand({ TopicArn: missing }))).rejects.toThrow(
      "Topic does not exist",
    );
  });

  it("refuses an invalid topic name and an oversized message", async () => {
    await expect(sns.send(new CreateTopicCommand({ Name: "has space" }))).rejects.toMatchObject({
      name: "InvalidParameterException",
      message: "Invalid parameter: Topic Name",
    });
    const arn = await topic("big");
    await expect(
      sns.send(new PublishCommand({ TopicArn: arn, Message: "x".repeat(262_145) })),
    ).rejects.toThrow("Invalid parameter: Message too long");
  });
});

describe("SNS to Lambda", () => {
  it("delivers to each subscriber only the messages its attribute policy matches", async () => {
    const arn = await topic("orders");
    await subscribeLambda(arn, "orders", { FilterPolicy: JSON.stringify({ kind: ["order"] }) });
    const refundsSub = await subscribeLambda(arn, "refunds", {
      FilterPolicy: JSON.stringify({ kind: ["refund"], amount: [{ numeric: [">", 100] }] }),
    });

    const publish = (Message: string, kind: string, amount: string) =>
      sns.send(
        new PublishCommand({
          TopicArn: arn,
          Message,
          Subject: "news",
          MessageAttributes: {
            kind: { DataType: "String", StringValue: kind },
            amount: { DataType: "Number", StringValue: amount },
          },
        }),
      );
    const { MessageId } = await publish("order 1", "order", "5");
    await publish("small refund", "refund", "50");
    await publish("big refund", "refund", "500");
    await service.drain();

    expect(messagesTo("orders")).toEqual(["order 1"]);
    expect(messagesTo("refunds")).toEqual(["big refund"]);
    const record = invocations.find((i) => i.name === "orders")?.event.Records[0];
    expect(record).toMatchObject({
      EventSource: "aws:sns",
      EventVersion: "1.0",
      EventSubscriptionArn: expect.stringMatching(/^arn:aws:sns:us-east-1:111111111111:orders:/),
      Sns: {
        Type: "Notification",
        MessageId,
        TopicArn: arn,
        Subject: "news",
        SignatureVersion: "1",
        Signature: expect.any(String),
        SigningCertUrl: expect.stringMatching(/\/SimpleNotificationService-[0-9a-f]+\.pem$/),
        UnsubscribeUrl: expect.stringContaining("Action=Unsubscribe"),
        MessageAttributes: {
          kind: { Type: "String", Value: "order" },
          amount: { Type: "Number", Value: "5" },
        },
      },
    });
    expect(refundsSub).toMatch(/^arn:aws:sns:/);
  });

  it("filters on the message body with FilterPolicyScope MessageBody", async () => {
    const arn = await topic("uploads");
    await subscribeLambda(arn, "orders", {
      FilterPolicyScope: "MessageBody",
      FilterPolicy: JSON.stringify({ file: { type: [{ prefix: "image/" }] } }),
    });
    for (const type of ["image/png", "text/plain"])
      await sns.send(
        new PublishCommand({ TopicArn: arn, Message: JSON.stringify({ file: { type } }) }),
      );
    await sns.send(new PublishCommand({ TopicArn: arn, Message: "not json" }));
    await service.drain();
    expect(messagesTo("orders")).toEqual([JSON.stringify({ file: { type: "image/png" } })]);
  });

  it("refuses an invalid filter policy at Subscribe and at SetSubscriptionAttributes", async () => {
    const arn = await topic("strict");
    await expect(
      subscribeLambda(arn, "orders", { FilterPolicy: JSON.stringify({ kind: [] }) }),
    ).rejects.toMatchObject({
      name: "InvalidParameterException",
      message: "Invalid parameter: Attributes Reason: FilterPolicy: Empty arrays are not allowed",
    });
    const sub = await subscribeLambda(arn, "orders");
    await expect(
      sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: sub,
          AttributeName: "FilterPolicy",
          AttributeValue: JSON.stringify({ nested: { key: ["x"] } }),
        }),
      ),
    ).rejects.toThrow(
      "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy",
    );
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: sub,
        AttributeName: "FilterPolicy",
        AttributeValue: JSON.stringify({ kind: [{ "anything-but": "noise" }] }),
      }),
    );
    const { Attributes } = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: sub }),
    );
    expect(Attributes).toMatchObject({
      Protocol: "lambda",
      PendingConfirmation: "false",
      FilterPolicyScope: "MessageAttributes",
      FilterPolicy: JSON.stringify({ kind: [{ "anything-but": "noise" }] }),
    });
  });

  it("dead-letters a message for a function that does not exist", async () => {
    const arn = await topic("ghosts");
    await subscribeLambda(arn, "gone", {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:ghosts-dlq`,
      }),
    });
    await sns.send(new PublishCommand({ TopicArn: arn, Message: "boo" }));
    await service.drain();
    const [letter] = await deadLetters.list("ghosts-dlq");
    expect(letter?.error.code).toBe("ResourceNotFoundException");
    expect(letter?.redrive).toMatchObject({ kind: "lambda", functionName: fnArn("gone") });
  });

  it("stops delivering after Unsubscribe", async () => {
    const arn = await topic("quiet");
    const sub = await subscribeLambda(arn, "orders");
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: sub }));
    await sns.send(new PublishCommand({ TopicArn: arn, Message: "anyone?" }));
    await service.drain();
    expect(invocations).toEqual([]);
    const { Subscriptions } = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: arn }),
    );
    expect(Subscriptions).toEqual([]);
  });
});

describe("SNS PublishBatch", () => {
  it("publishes the good entries and reports the failing one", async () => {
    const arn = await topic("batch");
    await subscribeLambda(arn, "orders");
    const { Successful, Failed } = await sns.send(
      new PublishBatchCommand({
        TopicArn: arn,
        PublishBatchRequestEntries: [
          { Id: "one", Message: "first" },
          { Id: "two", Message: "" },
          {
            Id: "three",
            Message: "third",
            MessageAttributes: { n: { DataType: "Number", StringValue: "abc" } },
          },
          { Id: "four", Message: "fourth" },
        ],
      }),
    );
    expect(Successful?.map((s) => s.Id)).toEqual(["one", "four"]);
    expect(Successful?.[0]?.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Failed).toEqual([
      {
        Id: "two",
        Code: "InvalidParameter",
        Message: "Invalid parameter: Empty message",
        SenderFault: true,
      },
      {
        Id: "three",
        Code: "ParameterValueInvalid",
        Message: "Could not cast message attribute 'n' value to number.",
        SenderFault: true,
      },
    ]);
    await service.drain();
    expect(messagesTo("orders")).toEqual(["first", "fourth"]);
  });

  it("refuses duplicate ids and more than ten entries as a whole", async () => {
    const arn = await topic("batch-limits");
    await expect(
      sns.send(
        new PublishBatchCommand({
          TopicArn: arn,
          PublishBatchRequestEntries: [
            { Id: "a", Message: "1" },
            { Id: "a", Message: "2" },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: "BatchEntryIdsNotDistinctException" });
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, Message: "m" }));
    await expect(
      sns.send(new PublishBatchCommand({ TopicArn: arn, PublishBatchRequestEntries: eleven })),
    ).rejects.toMatchObject({ name: "TooManyEntriesInBatchRequestException" });
  });
});
