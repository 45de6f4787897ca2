import { fileURLToPath } from "node:url";
import {
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import {
  DescribeReplayCommand,
  EventBridgeClient,
  ListArchivesCommand,
  PutEventsCommand,
  StartReplayCommand,
  TestEventPatternCommand,
} from "@aws-sdk/client-eventbridge";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import { createPublisher, FileReady, parse, S3ObjectCreated } from "@platform/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeys } from "../src/apigateway/api-keys.ts";
import { mintToken } from "../src/apigateway/token.ts";
import { LOCAL_ACCOUNT } from "../src/names.ts";
import { type LocalCloud, startLocalCloud } from "../src/platform.ts";
import { manifests } from "./fixtures/manifests.ts";

const root = fileURLToPath(new URL("./fixtures/", import.meta.url));
let cloud: LocalCloud;
const config = () => ({
  endpoint: cloud.endpoint,
  region: LOCAL_ACCOUNT.region,
  credentials: {
    accessKeyId: LOCAL_ACCOUNT.accessKeyId,
    secretAccessKey: LOCAL_ACCOUNT.secretAccessKey,
  },
});
const s3 = () =>
  new S3Client({
    ...config(),
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
const dynamo = () => new DynamoDBClient(config());
const lambda = () => new LambdaClient(config());
const events = () => new EventBridgeClient(config());
const decode = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes));

beforeAll(async () => {
  cloud = await startLocalCloud({
    root,
    manifests,
    edgePort: 0,
    apiPort: 0,
    serverApiPort: 0,
    issuerPort: 0,
    concurrency: 2,
    deliveryRetryDelayMs: () => 10,
    asyncRetryDelayMs: () => 10,
  });
});
afterAll(async () => {
  await cloud?.stop();
});

async function item(table: string, pk: string) {
  const name = cloud.names.tables[table];
  return (await dynamo().send(new GetItemCommand({ TableName: name, Key: { pk: { S: pk } } })))
    .Item;
}

describe("the wired platform", () => {
  it("creates the manifests' tables in DynamoDB Local, reachable through the one endpoint", async () => {
    const { TableNames } = await dynamo().send(new ListTablesCommand({}));
    expect(TableNames).toEqual(
      expect.arrayContaining(["file-platform-local-Records", "file-platform-local-FlakyControl"]),
    );
  });

  it("fans one S3 PUT out to every subscribed function exactly once, in S3's own event shape", async () => {
    await s3().send(
      new PutObjectCommand({ Bucket: cloud.names.bucket, Key: "tmp/fan-out.txt", Body: "hello" }),
    );
    await cloud.settle();
    for (const fn of ["RecorderFirst", "RecorderSecond"]) {
      const record = await item("Records", `${fn}#tmp/fan-out.txt`);
      expect(record?.deliveries?.N, fn).toBe("1");
      const event = parse(S3ObjectCreated, record?.lastEvent?.S ?? "");
      expect(event.detail).toMatchObject({
        bucket: { name: cloud.names.bucket },
        object: { key: "tmp/fan-out.txt", size: 5 },
        reason: "PutObject",
      });
    }
    const flaky = await item("FlakyControl", "attempts#tmp/fan-out.txt");
    expect(flaky).toBeUndefined();
    const body = await (
      await s3().send(new GetObjectCommand({ Bucket: cloud.names.bucket, Key: "tmp/fan-out.txt" }))
    ).Body?.transformToString();
    expect(body).toBe("hello");
  });

  it("delivers a platform event published with the real publisher to its subscriber", async () => {
    const publisher = createPublisher({ client: events(), eventBusName: cloud.names.bus });
    const fileId = "5f0c2b5e-4c1d-4e53-9a55-0d3d4f1f7a10";
    const { eventIds } = await publisher.publish(
      FileReady,
      {
        fileId,
        ownerId: "u1",
        purpose: "profile",
        entityId: "u1",
        original: { key: "profile/u1/origin/a.jpg", size: 10, contentType: "image/jpeg" },
        variants: [],
      },
      { actor: { type: "user", id: "u1" }, correlationId: "c1" },
    );
    await cloud.settle();
    const record = await item("Records", `RecorderReady#${eventIds[0]}`);
    expect(record?.deliveries?.N).toBe("1");
    expect(parse(FileReady, record?.lastEvent?.S ?? "").detail.data.fileId).toBe(fileId);
  });

  it("retries a failing subscriber, dead-letters the event, and redrives it once the fault is fixed", async () => {
    const control = cloud.names.tables.FlakyControl;
    await dynamo().send(
      new PutItemCommand({ TableName: control, Item: { pk: { S: "mode" }, mode: { S: "fail" } } }),
    );
    await s3().send(
      new PutObjectCommand({ Bucket: cloud.names.bucket, Key: "flaky/one.txt", Body: "x" }),
    );
    await cloud.settle();
    expect((await item("FlakyControl", "attempts#flaky/one.txt"))?.attempts?.N).toBe("3");
    const letters = await cloud.deadLetters.list("FlakyFlakyFailures");
    expect(letters).toHaveLength(1);
    expect(letters[0]?.error).toEqual({ code: "Error", message: "told to fail on flaky/one.txt" });

    const stillFailing = await fetch(
      `${cloud.endpoint}/_local/dead-letters/FlakyFlakyFailures/redrive`,
      { method: "POST" },
    );
    expect(await stillFailing.json()).toMatchObject({
      redriven: 0,
      failed: [expect.objectContaining({ ok: false })],
    });

    await dynamo().send(
      new PutItemCommand({ TableName: control, Item: { pk: { S: "mode" }, mode: { S: "ok" } } }),
    );
    const redrive = await fetch(
      `${cloud.endpoint}/_local/dead-letters/FlakyFlakyFailures/redrive`,
      { method: "POST" },
    );
    expect(await redrive.json()).toMatchObject({ redriven: 1, failed: [] });
    expect(await cloud.deadLetters.list("FlakyFlakyFailures")).toEqual([]);
    expect((await item("FlakyControl", "attempts#flaky/one.txt"))?.attempts?.N).toBe("5");
  });

  it("dead-letters an event a rule cannot hand over, after its retry policy", async () => {
    const rule = cloud.events.putRule({
      name: "ToNowhere",
      bus: cloud.names.bus,
      pattern: JSON.stringify({ source: ["test.nowhere"] }),
    });
    rule.targets = [{ id: "gone", kind: "lambda", functionName: "DeletedFunction" }];
    rule.retry = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 60 };
    rule.deadLetterQueue = "ToNowhereDlq";
    const put = await events().send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: cloud.names.bus, Source: "test.nowhere", DetailType: "t", Detail: "{}" },
        ],
      }),
    );
    await cloud.settle();
    const [letter, ...more] = await cloud.deadLetters.list("ToNowhereDlq");
    expect(more).toEqual([]);
    expect(letter).toMatchObject({ attempts: 3, error: { code: "ResourceNotFoundException" } });
    expect(letter?.redrive).toMatchObject({
      kind: "rule",
      event: { id: put.Entries?.[0]?.EventId },
    });
  });
});

describe("EventBridge API", () => {
  it("accepts good entries and fails bad ones one by one", async () => {
    const result = await events().send(
      new PutEventsCommand({
        Entries: [
          { Source: "test.ok", DetailType: "ok", Detail: '{"a":1}' },
          { Source: "test.bad", DetailType: "bad", Detail: "[1]" },
          { Source: "aws.s3", DetailType: "spoof", Detail: "{}" },
          { Source: "test.ok", DetailType: "ok", Detail: "{}", EventBusName: "no-such-bus" },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(3);
    expect(result.Entries?.map((e) => e.ErrorCode)).toEqual([
      undefined,
      "MalformedDetail",
      "NotAuthorizedForSourceException",
      "ResourceNotFoundException",
    ]);
  });

  it("refuses more than 10 entries and more than 256 KB", async () => {
    const entry = { Source: "test", DetailType: "t", Detail: "{}" };
    await expect(
      events().send(new PutEventsCommand({ Entries: Array(11).fill(entry) })),
    ).rejects.toThrow(/length less than or equal to 10/);
    const big = { ...entry, Detail: JSON.stringify({ x: "y".repeat(262_144) }) };
    await expect(events().send(new PutEventsCommand({ Entries: [big] }))).rejects.toMatchObject({
      name: "ValidationException",
    });
  });

  it("answers TestEventPattern, and refuses an invalid pattern as AWS does", async () => {
    const event = JSON.stringify({
      id: "1",
      account: "1",
      source: "a",
      time: "2026-01-01T00:00:00Z",
      region: "us-east-1",
      "detail-type": "x",
      resources: [],
      detail: { n: 5 },
    });
    const test = (EventPattern: string) =>
      events().send(new TestEventPatternCommand({ EventPattern, Event: event }));
    expect((await test('{"detail":{"n":[{"numeric":[">",4]}]}}')).Result).toBe(true);
    expect((await test('{"detail":{"n":[{"numeric":[">",5]}]}}')).Result).toBe(false);
    await expect(test('{"detail":{"n":5}}')).rejects.toMatchObject({
      name: "InvalidEventPatternException",
    });
  });
});

describe("Lambda API", () => {
  const invoke = (
    FunctionName: string,
    payload: unknown,
    extra: Partial<ConstructorParameters<typeof InvokeCommand>[0]> = {},
  ) =>
    lambda().send(new InvokeCommand({ FunctionName, Payload: JSON.stringify(payload), ...extra }));

  it("runs a handler with a Lambda context, its client context, and only its own links", async () => {
    const clientContext = Buffer.from(JSON.stringify({ custom: { caller: "upload" } })).toString(
      "base64",
    );
    const result = await invoke("ToolsEcho", { hello: "world" }, { ClientContext: clientContext });
    expect(result.FunctionError).toBeUndefined();
    const body = decode(result.Payload);
    expect(body).toMatchObject({
      event: { hello: "world" },
      functionName: "ToolsEcho",
      clientContext: { custom: { caller: "upload" } },
      endpoint: cloud.endpoint,
    });
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.remainingMs).toBeGreaterThan(25_000);
    expect(body.resources).toEqual(["SST_RESOURCE_App"]);
  });

  it("accepts Event invocations at once and DryRun without running anything", async () => {
    expect((await invoke("ToolsEcho", {}, { InvocationType: "Event" })).StatusCode).toBe(202);
    expect((await invoke("ToolsEcho", {}, { InvocationType: "DryRun" })).StatusCode).toBe(204);
  });

  it("reports a handler error with X-Amz-Function-Error and the error as payload", async () => {
    const result = await invoke("ToolsFail", {});
    expect(result.FunctionError).toBe("Unhandled");
    expect(decode(result.Payload)).toMatchObject({
      errorType: "TypeError",
      errorMessage: "the tool failed on purpose",
    });
  });

  it("stops a handler at its timeout, and the next invocation gets a fresh environment", async () => {
    const result = await invoke("ToolsSlow", { ms: 5_000 });
    expect(result.FunctionError).toBe("Unhandled");
    expect(decode(result.Payload).errorMessage).toMatch(/Task timed out after 1\.00 seconds/);
    expect(decode((await invoke("ToolsSlow", { ms: 10 })).Payload)).toEqual({ slept: 10 });
  });

  it("keeps other functions responsive while one is slow", async () => {
    const slow = invoke("ToolsSlow", { ms: 800 }).then(() => "slow");
    const echo = invoke("ToolsEcho", {}).then(() => "echo");
    expect(await Promise.race([slow, echo])).toBe("echo");
    await slow;
  });

  it("survives a handler that exits its process, and one whose module is missing", async () => {
    const crashed = await invoke("ToolsCrash", {});
    expect(decode(crashed.Payload).errorType).toBe("Runtime.ExitError");
    expect((await invoke("ToolsEcho", { again: true })).FunctionError).toBeUndefined();
    expect(decode((await invoke("ToolsMissing", {})).Payload).errorType).toBe(
      "Runtime.ImportModuleError",
    );
    expect(cloud.missingHandlers).toEqual([
      "ToolsMissing: services/tools/src/handlers/absent.handler",
    ]);
  });

  it("keeps each function's output lines as its log, complete once the invocation answered", async () => {
    const result = await invoke("ToolsLog", { out: ["one", "two"], err: ["oops"], tail: "last" });
    expect(decode(result.Payload)).toEqual({ logged: true });
    // Each stream keeps its order; between the two, lines interleave as they arrive.
    const lines = (stream: string) =>
      cloud
        .functionLogs("ToolsLog")
        .filter((l) => l.stream === stream)
        .map((l) => l.message);
    expect(lines("stdout")).toEqual(["one", "two", '{"clientContext":null}', "last"]);
    expect(lines("stderr")).toEqual(["oops"]);
    expect(cloud.functionLogs("ToolsEcho").map((l) => l.message)).toEqual([]);
  });

  it("passes ClientContext to synchronous invocations only, as Lambda does", async () => {
    const before = cloud.functionLogs("ToolsLog").length;
    const ClientContext = Buffer.from(JSON.stringify({ custom: { caller: "x" } })).toString(
      "base64",
    );
    const event = { out: [], err: [], tail: "" };
    await invoke("ToolsLog", event, { ClientContext });
    await invoke("ToolsLog", event, { ClientContext, InvocationType: "Event" });
    await cloud.settle();
    const contexts = cloud
      .functionLogs("ToolsLog")
      .slice(before)
      .map((l) => JSON.parse(l.message).clientContext);
    expect(contexts).toEqual([{ custom: { caller: "x" } }, null]);
  });

  it("answers ResourceNotFoundException for an unknown function", async () => {
    await expect(invoke("Nope", {})).rejects.toMatchObject({
      name: "ResourceNotFoundException",
      $metadata: { httpStatusCode: 404 },
    });
  });
});

describe("S3 through the edge", () => {
  it("answers a browser's CORS preflight for an upload, exposing ETag", async () => {
    const res = await fetch(`${cloud.endpoint}/${cloud.names.bucket}/tmp/x.jpg`, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:5173",
        "access-control-request-method": "PUT",
        "access-control-request-headers": "content-type",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toBe("ETag");
  });

  it("refuses an unsigned request to the private bucket", async () => {
    const res = await fetch(`${cloud.endpoint}/${cloud.names.bucket}/tmp/fan-out.txt`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("<Code>AccessDenied</Code>");
  });

  it("keeps a scan of what functions recorded consistent with exactly-once delivery", async () => {
    const { Items = [] } = await dynamo().send(
      new ScanCommand({ TableName: cloud.names.tables.Records }),
    );
    expect(Items.every((i) => i.deliveries?.N === "1")).toBe(true);
  });
});

describe("archive and replay", () => {
  it("re-delivers an archived window, marked with replay-name, to the chosen rule only", async () => {
    // Event times have whole seconds: start the window on a fresh second, after every earlier event.
    await new Promise((r) => setTimeout(r, 1100 - (Date.now() % 1000)));
    const from = new Date(Math.floor(Date.now() / 1000) * 1000);
    await s3().send(
      new PutObjectCommand({ Bucket: cloud.names.bucket, Key: "tmp/replayed.txt", Body: "again" }),
    );
    await cloud.settle();
    const to = new Date(Date.now() + 1000);

    const client = events();
    const [archive] = (await client.send(new ListArchivesCommand({}))).Archives ?? [];
    expect(archive?.ArchiveName).toBe(cloud.names.archive);
    const rule = cloud.events.rule(cloud.names.bus, "RecorderFirstOnUpload");
    if (!rule) throw new Error("fixture rule missing");
    await client.send(
      new StartReplayCommand({
        ReplayName: "only-first",
        EventSourceArn: `arn:aws:events:us-east-1:000000000000:archive/${archive?.ArchiveName}`,
        EventStartTime: from,
        EventEndTime: to,
        Destination: {
          Arn: cloud.events.busArn(cloud.names.bus),
          FilterArns: [cloud.events.ruleArn(rule)],
        },
      }),
    );
    await cloud.settle();
    const described = await client.send(new DescribeReplayCommand({ ReplayName: "only-first" }));
    expect(described).toMatchObject({
      State: "COMPLETED",
      StateReason: "replayed 1 events as 1 deliveries",
    });

    const first = await item("Records", "RecorderFirst#tmp/replayed.txt");
    expect(first?.deliveries?.N).toBe("2");
    expect(JSON.parse(first?.lastEvent?.S ?? "{}")["replay-name"]).toBe("only-first");
    expect((await item("Records", "RecorderSecond#tmp/replayed.txt"))?.deliveries?.N).toBe("1");
  });
});

describe("the HTTP API door", () => {
  const token = (scopes: string[]) =>
    mintToken({ dataDir: cloud.credentialsDir, subject: "user-1", scopes });

  it("lets a token from the local issuer reach the handler, with its claims, scopes and path parameters", async () => {
    const res = await fetch(`${cloud.apiUrl}/echo/42?size=big`, {
      headers: { authorization: `Bearer ${await token(["tools:read"])}` },
    });
    expect(res.status).toBe(200);
    const { event } = (await res.json()) as { event: Record<string, Record<string, unknown>> };
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "GET /echo/{id}",
      pathParameters: { id: "42" },
      queryStringParameters: { size: "big" },
      requestContext: {
        authorizer: {
          jwt: { claims: { sub: "user-1", iss: cloud.issuer }, scopes: ["tools:read"] },
        },
      },
    });
  });

  it("refuses a missing token with 401 and a token without the route's scope with 403, as API Gateway does", async () => {
    const anonymous = await fetch(`${cloud.apiUrl}/echo/42`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ message: "Unauthorized" });
    const wrongScope = await fetch(`${cloud.apiUrl}/echo/42`, {
      headers: { authorization: `Bearer ${await token(["files:read"])}` },
    });
    expect(wrongScope.status).toBe(403);
    expect(await wrongScope.json()).toEqual({ message: "Forbidden" });
    expect((await fetch(`${cloud.apiUrl}/open`)).status).toBe(200);
    expect((await fetch(`${cloud.apiUrl}/nowhere`)).status).toBe(404);
  });

  it("refuses an API key on the JWT door, as an HTTP API has no API keys", async () => {
    const res = await fetch(`${cloud.apiUrl}/echo/7`, { headers: { "x-api-key": "any" } });
    expect(res.status).toBe(401);
  });
});

describe("the server door (REST API with API keys)", () => {
  it("lets a server client in with an API key, in payload format 1.0, until its usage plan says no", async () => {
    const keys = new ApiKeys(cloud.credentialsDir);
    const { key, id } = await keys.create({
      name: "job",
      owner: "batch",
      // One request per 100 s after the burst: the third call is refused however slow the machine.
      plan: { rateLimit: 0.01, burstLimit: 2, quotaPerDay: 100 },
    });
    const call = () => fetch(`${cloud.serverApiUrl}/echo/7?x=1`, { headers: { "x-api-key": key } });
    const first = await call();
    expect(first.status).toBe(200);
    const { event } = (await first.json()) as { event: Record<string, Record<string, unknown>> };
    expect(event).toMatchObject({
      resource: "/echo/{id}",
      httpMethod: "GET",
      pathParameters: { id: "7" },
      queryStringParameters: { x: "1" },
      requestContext: { stage: "local", identity: { apiKey: key, apiKeyId: id } },
    });
    expect((await call()).status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ message: "Too Many Requests" });
  });

  it("answers 403 for a missing or unknown key, and for a public route it does not serve", async () => {
    expect((await fetch(`${cloud.serverApiUrl}/echo/7`)).status).toBe(403);
    expect(
      (await fetch(`${cloud.serverApiUrl}/echo/7`, { headers: { "x-api-key": "nope" } })).status,
    ).toBe(403);
    const open = await fetch(`${cloud.serverApiUrl}/open`, { headers: { "x-api-key": "nope" } });
    expect(await open.json()).toEqual({ message: "Missing Authentication Token" });
  });
});

describe("SNS", () => {
  it("delivers a manifest-declared topic subscription only the messages its filter policy lets through", async () => {
    const client = new SNSClient(config());
    const TopicArn = `arn:aws:sns:us-east-1:000000000000:${cloud.names.topics.RecorderNotices}`;
    const notice = (Message: string, kind: string) =>
      client.send(
        new PublishCommand({
          TopicArn,
          Message,
          MessageAttributes: { kind: { DataType: "String", StringValue: kind } },
        }),
      );
    await notice("disk almost full", "important");
    await notice("all quiet", "chatter");
    await cloud.settle();
    expect((await item("Records", "RecorderSecond#disk almost full"))?.deliveries?.N).toBe("1");
    expect(await item("Records", "RecorderSecond#all quiet")).toBeUndefined();
  });

  it("fans a message out to Lambda subscribers whose filter policies match, and only those", async () => {
    const client = new SNSClient(config());
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: "fan-out-test" }));
    const subscribe = (fn: string, purpose: string) =>
      client.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: "lambda",
          Endpoint: cloud.lambda.arnOf(fn),
          Attributes: { FilterPolicy: JSON.stringify({ purpose: [purpose] }) },
        }),
      );
    await subscribe("RecorderFirst", "profile");
    await subscribe("RecorderSecond", "feed");
    const publish = (Message: string, purpose: string) =>
      client.send(
        new PublishCommand({
          TopicArn,
          Message,
          MessageAttributes: { purpose: { DataType: "String", StringValue: purpose } },
        }),
      );
    await publish("a profile picture", "profile");
    await publish("a feed image", "feed");
    await cloud.settle();
    expect((await item("Records", "RecorderFirst#a profile picture"))?.deliveries?.N).toBe("1");
    expect(await item("Records", "RecorderFirst#a feed image")).toBeUndefined();
    expect((await item("Records", "RecorderSecond#a feed image"))?.deliveries?.N).toBe("1");
    expect(await item("Records", "RecorderSecond#a profile picture")).toBeUndefined();
  });
});

describe("schedules", () => {
  /** What the schedules' function has recorded: one row per Scheduled Event, by event id. */
  async function ticks() {
    const { Items = [] } = await dynamo().send(
      new ScanCommand({
        TableName: cloud.names.tables.Records,
        FilterExpression: "begins_with(pk, :fn)",
        ExpressionAttributeValues: { ":fn": { S: "RecorderTick#" } },
      }),
    );
    return Items.map((i) => JSON.parse(i.lastEvent?.S ?? "{}") as Record<string, unknown>);
  }

  it("runs a schedule on request, delivering the Scheduled Event EventBridge sends", async () => {
    const before = await ticks();
    await cloud.runSchedule("RecorderHourly");
    await cloud.settle();
    const fresh = (await ticks()).filter((e) => !before.some((b) => b.id === e.id));
    expect(fresh).toEqual([
      {
        version: "0",
        id: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/,
        ),
        "detail-type": "Scheduled Event",
        source: "aws.events",
        account: LOCAL_ACCOUNT.accountId,
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        region: LOCAL_ACCOUNT.region,
        resources: ["arn:aws:events:us-east-1:000000000000:rule/RecorderHourly"],
        detail: {},
      },
    ]);
  });

  it("refuses to run a schedule the manifests do not declare", async () => {
    await expect(cloud.runSchedule("RecorderNever")).rejects.toThrow(
      'no schedule "RecorderNever"; the manifests declare: RecorderHourly, RecorderNightly, ToolsBroken',
    );
  });

  it("runs a cron schedule through the admin API, and answers 404 for an unknown one", async () => {
    const before = (await ticks()).length;
    const run = await fetch(`${cloud.endpoint}/_local/schedules/RecorderNightly/run`, {
      method: "POST",
    });
    expect(run.status).toBe(202);
    expect(await run.json()).toEqual({ schedule: "RecorderNightly" });
    await cloud.settle();
    const after = await ticks();
    expect(after).toHaveLength(before + 1);
    expect(after.map((e) => e.resources)).toContainEqual([
      "arn:aws:events:us-east-1:000000000000:rule/RecorderNightly",
    ]);

    const unknown = await fetch(`${cloud.endpoint}/_local/schedules/RecorderNever/run`, {
      method: "POST",
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: "no such schedule: RecorderNever" });
  });

  it("retries a failing scheduled function, then parks its event in the function's failure queue", async () => {
    await cloud.runSchedule("ToolsBroken");
    await cloud.settle();
    const [letter, ...more] = await cloud.deadLetters.list("ToolsFailFailures");
    expect(more).toEqual([]);
    expect(letter).toMatchObject({
      attempts: 3,
      error: { code: "TypeError", message: "the tool failed on purpose" },
      redrive: { kind: "lambda", functionName: "ToolsFail" },
    });
    const payload = letter?.redrive.kind === "lambda" ? JSON.parse(letter.redrive.payload) : {};
    expect(payload).toMatchObject({ "detail-type": "Scheduled Event", source: "aws.events" });
  });
});
