import { verify, X509Certificate } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeadLetters } from "../src/dead-letters.ts";
import { createSnsService, type SnsService } from "../src/sns/service.ts";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  received: Received[];
  /** The JSON bodies of one message type. */
  of(type: string): Record<string, string>[];
}

const servers: Server[] = [];

/** A real HTTP endpoint; `status` decides the answer to the n-th request (1-based). */
async function receiver(status: (n: number) => number = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(status(received.length)).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    of: (type) =>
      received
        .filter((r) => r.headers["x-amz-sns-message-type"] === type)
        .map((r) => JSON.parse(r.body) as Record<string, string>),
  };
}

let root: string;
let service: SnsService;
let deadLetters: DeadLetters;
let sns: SNSClient;
const delays: number[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sns-http-"));
  deadLetters = new DeadLetters(root);
  const server = createServer((req, res) => void service.handle(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service = createSnsService({
    region: "us-east-1",
    accountId: "111111111111",
    lambda: { resolve: () => undefined, invokeAsync: () => {} },
    deadLetters,
    publicUrl: endpoint,
    retryDelayMs: (attempt) => {
      delays.push(attempt);
      return 5;
    },
  });
  sns = new SNSClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "k", secretAccessKey: "s" },
  });
});

afterAll(async () => {
  sns.destroy();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await rm(root, { recursive: true, force: true });
});

async function topic(name: string): Promise<string> {
  return (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn ?? "";
}

/** Subscribes and confirms the way most endpoints do: GET the SubscribeURL they were sent. */
async function confirmedHttp(
  topicArn: string,
  hook: Receiver,
  attributes?: Record<string, string>,
) {
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: "http",
      Endpoint: hook.url,
      Attributes: attributes,
    }),
  );
  await service.drain();
  const [confirmation] = hook.of("SubscriptionConfirmation");
  const answer = await fetch(confirmation?.SubscribeURL ?? "");
  expect(answer.status).toBe(200);
  const xml = await answer.text();
  return /<SubscriptionArn>([^<]+)<\/SubscriptionArn>/.exec(xml)?.[1] ?? "";
}

const publish = (TopicArn: string, Message: string) =>
  sns.send(new PublishCommand({ TopicArn, Message, Subject: "hello" }));

describe("SNS HTTP subscriptions", () => {
  it("confirms with the SubscribeURL handshake and delivers only once confirmed", async () => {
    const arn = await topic("hooks");
    const hook = await receiver();
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn: arn, Protocol: "http", Endpoint: hook.url }),
    );
    expect(SubscriptionArn).toBe("pending confirmation");
    await service.drain();

    const [confirmation] = hook.of("SubscriptionConfirmation");
    expect(confirmation).toMatchObject({
      Type: "SubscriptionConfirmation",
      TopicArn: arn,
      Token: expect.stringMatching(/^[0-9a-f]+$/),
      Message: `You have chosen to subscribe to the topic ${arn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
      SubscribeURL: expect.stringContaining("Action=ConfirmSubscription"),
      SignatureVersion: "1",
    });
    expect(hook.received[0]?.headers).toMatchObject({
      "content-type": "text/plain; charset=UTF-8",
      "x-amz-sns-message-type": "SubscriptionConfirmation",
      "x-amz-sns-topic-arn": arn,
      "x-amz-sns-message-id": confirmation?.MessageId,
    });
    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }));
    expect(listed.Subscriptions?.[0]?.SubscriptionArn).toBe("PendingConfirmation");

    await publish(arn, "too early");
    await service.drain();
    expect(hook.of("Notification")).toEqual([]);

    const confirmed = await fetch(confirmation?.SubscribeURL ?? "");
    const subArn = /<SubscriptionArn>([^<]+)</.exec(await confirmed.text())?.[1];
    expect(subArn).toMatch(/^arn:aws:sns:us-east-1:111111111111:hooks:/);

    await publish(arn, "on time");
    await service.drain();
    const notifications = hook.of("Notification");
    expect(notifications.map((n) => n.Message)).toEqual(["on time"]);
    expect(notifications[0]).toMatchObject({
      TopicArn: arn,
      Subject: "hello",
      UnsubscribeURL: expect.any(String),
    });
    expect(hook.received.at(-1)?.headers["x-amz-sns-subscription-arn"]).toBe(subArn);
  });

  it("also confirms through ConfirmSubscription with the token", async () => {
    const arn = await topic("hooks-api");
    const hook = await receiver();
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: "http", Endpoint: hook.url }));
    await service.drain();
    const Token = hook.of("SubscriptionConfirmation")[0]?.Token;
    const { SubscriptionArn } = await sns.send(
      new ConfirmSubscriptionCommand({ TopicArn: arn, Token }),
    );
    const { Attributes } = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn }),
    );
    expect(Attributes).toMatchObject({
      PendingConfirmation: "false",
      ConfirmationWasAuthenticated: "true",
    });
    await expect(
      sns.send(new ConfirmSubscriptionCommand({ TopicArn: arn, Token: "not-the-token" })),
    ).rejects.toThrow("Invalid parameter: Token");
  });

  it("signs notifications so that the certificate at SigningCertURL verifies them", async () => {
    const arn = await topic("signed");
    const hook = await receiver();
    await confirmedHttp(arn, hook);
    await publish(arn, "trust me");
    await service.drain();
    const [n] = hook.of("Notification");
    const pem = await (await fetch(n?.SigningCertURL ?? "")).text();
    const fields = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"];
    const signed = fields.map((f) => `${f}\n${n?.[f]}\n`).join("");
    const key = new X509Certificate(pem).publicKey;
    expect(
      verify("RSA-SHA1", Buffer.from(signed), key, Buffer.from(n?.Signature ?? "", "base64")),
    ).toBe(true);
    expect(
      verify("RSA-SHA1", Buffer.from(`${signed}x`), key, Buffer.from(n?.Signature ?? "", "base64")),
    ).toBe(false);
  });

  it("sends the bare message with RawMessageDelivery", async () => {
    const arn = await topic("raw");
    const hook = await receiver();
    await confirmedHttp(arn, hook, { RawMessageDelivery: "true" });
    await publish(arn, '{"just":"the body"}');
    await service.drain();
    const last = hook.received.at(-1);
    expect(last?.body).toBe('{"just":"the body"}');
    expect(last?.headers).toMatchObject({
      "x-amz-sns-message-type": "Notification",
      "x-amz-sns-rawdelivery": "true",
    });
  });
});

describe("SNS HTTP delivery policy", () => {
  it("retries a 500 until the endpoint answers 200, and delivers once", async () => {
    const arn = await topic("flaky");
    // Request 1 is the confirmation; the notification then fails twice.
    const hook = await receiver((n) => (n === 2 || n === 3 ? 500 : 200));
    await confirmedHttp(arn, hook);
    delays.length = 0;
    await publish(arn, "eventually");
    await service.drain();
    const notifications = hook.of("Notification");
    expect(notifications).toHaveLength(3);
    expect(new Set(notifications.map((n) => n.MessageId)).size).toBe(1);
    expect(delays).toEqual([1, 2]);
    expect(await deadLetters.list("flaky-dlq")).toEqual([]);
  });

  it("dead-letters a notification the endpoint never accepts", async () => {
    const arn = await topic("broken");
    const hook = await receiver((n) => (n === 1 ? 200 : 503));
    await confirmedHttp(arn, hook, {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: "arn:aws:sqs:us-east-1:111111111111:broken-dlq",
      }),
    });
    await publish(arn, "lost");
    await service.drain();
    expect(hook.of("Notification")).toHaveLength(4);
    const [letter] = await deadLetters.list("broken-dlq");
    expect(letter).toMatchObject({
      attempts: 4,
      error: { code: "503" },
      redrive: { kind: "http", url: hook.url },
    });
    const redrive = letter?.redrive as unknown as { body: string; headers: Record<string, string> };
    expect(JSON.parse(redrive.body)).toMatchObject({ Type: "Notification", Message: "lost" });
    expect(redrive.headers["x-amz-sns-message-type"]).toBe("Notification");
  });

  it("does not retry a 4xx answer", async () => {
    const arn = await topic("refusing");
    const hook = await receiver((n) => (n === 1 ? 200 : 403));
    await confirmedHttp(arn, hook);
    await publish(arn, "no thanks");
    await service.drain();
    expect(hook.of("Notification")).toHaveLength(1);
  });
});
