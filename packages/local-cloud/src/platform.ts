import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ASYNC_RETRY_ATTEMPTS,
  apiCors,
  bucketEventsPattern,
  buildWiring,
  LOCAL_AUDIENCE,
  SERVER_API_BINARY_TYPES,
  type ServiceManifest,
  uploadsBucketCors,
  type Wiring,
} from "@platform/manifest";
import { createAdminApi } from "./admin.ts";
import { ApiKeys } from "./apigateway/api-keys.ts";
import { type HttpApi, startHttpApi } from "./apigateway/http-api.ts";
import { type LocalIssuer, startLocalIssuer } from "./apigateway/issuer.ts";
import { createJwtAuthorizer } from "./apigateway/jwt-authorizer.ts";
import { type RestApi, startRestApi } from "./apigateway/rest-api.ts";
import { DeadLetters } from "./dead-letters.ts";
import {
  assertPortFree,
  ensureTables,
  freePort,
  localClient,
  startDynamoDbLocal,
} from "./dynamodb/local.ts";
import { forwardTo, startEdge } from "./edge.ts";
import { createEventsApi } from "./events/api.ts";
import { EventArchive } from "./events/archive.ts";
import { EventBridge } from "./events/bus.ts";
import { Scheduler } from "./events/scheduler.ts";
import { createLambdaApi } from "./lambda/api.ts";
import { functionDefinitions, retarget } from "./lambda/definitions.ts";
import { type FunctionLogLine, FunctionLogs } from "./lambda/logs.ts";
import { LambdaRuntime } from "./lambda/runtime.ts";
import { type AppIdentity, LOCAL_ACCOUNT, resourceNames } from "./names.ts";
import { createS3Service } from "./s3/service.ts";
import { S3Store } from "./s3/store.ts";
import { createSnsService, type SnsService } from "./sns/service.ts";

export interface LocalCloudOptions {
  /** The repository root: handler paths in the manifests are relative to it. */
  root: string;
  manifests: readonly ServiceManifest[];
  /** Where state persists across restarts; omitted: a temporary folder removed on stop. */
  dataDir?: string;
  /** 0 picks a free port. */
  edgePort?: number;
  /** The HTTP API (API Gateway) port; 0 picks a free one. */
  apiPort?: number;
  /** The server door's port (a REST API with API keys, for server clients); 0 picks a free one. */
  serverApiPort?: number;
  /** The local OIDC issuer's port; omitted: the port it had last time (tokens stay valid). */
  issuerPort?: number;
  /** Where the issuer's signing key and the API keys live (default: dataDir), kept even when ephemeral. */
  credentialsDir?: string;
  app?: AppIdentity;
  corsOrigins?: string[];
  /** Execution environments per function. */
  concurrency?: number;
  /** Retry delays, shortened in tests. */
  deliveryRetryDelayMs?: (attempt: number) => number;
  asyncRetryDelayMs?: (attempt: number) => number;
  log?: (line: string) => void;
  /** Where functions' output lines are printed (default: this process's stdout and stderr). */
  functionOutput?: (stream: "stdout" | "stderr", line: string) => void;
}

export interface LocalCloud {
  endpoint: string;
  /** The HTTP API's base URL. */
  apiUrl: string;
  /** The server door's base URL, stage included, as a REST API's invoke URL is. */
  serverApiUrl: string;
  /** The local OIDC issuer whose tokens the API accepts. */
  issuer: string;
  credentialsDir: string;
  dynamodbEndpoint: string;
  dataDir: string;
  wiring: Wiring;
  names: ReturnType<typeof resourceNames>;
  lambda: LambdaRuntime;
  events: EventBridge;
  /** Set once started. */
  sns: SnsService;
  deadLetters: DeadLetters;
  /** Handler modules the manifests name that do not exist yet. */
  missingHandlers: string[];
  /**
   * Fires a manifest schedule once, now, as its rule would; resolves once the invocation is
   * handed over (settle() waits for it to finish). Rejects for an unknown schedule.
   */
  runSchedule(id: string): Promise<void>;
  /** Waits until every event in flight has been delivered and handled. */
  settle(): Promise<void>;
  /**
   * A function's log, as CloudWatch Logs keeps its log group: every line its handler wrote to
   * stdout or stderr, oldest first. Complete for every invocation that has answered.
   */
  functionLogs(functionName: string): FunctionLogLine[];
  stop(): Promise<void>;
}

/** Brings up the whole platform offline, wired from the same manifests as the stacks. */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const log = options.log ?? (() => {});
  const wiring = buildWiring(options.manifests);
  const app = options.app ?? { name: "file-platform", stage: "local" };
  const names = resourceNames(wiring, app);
  const edgePort = options.edgePort ?? 4566;
  const apiPort = options.apiPort ?? 3000;
  const serverApiPort = options.serverApiPort ?? 3001;
  // A second `npm start` must stop here, before it creates or touches any data.
  for (const port of [edgePort, apiPort, serverApiPort]) await assertPortFree(port);

  const ephemeral = !options.dataDir;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "local-cloud-")));
  await mkdir(dataDir, { recursive: true });
  // DynamoDB Local (a JVM) is the slowest part: it starts while everything else is set up.
  const dynamodbPort = await freePort();
  const dynamodbUrl = `http://127.0.0.1:${dynamodbPort}`;
  const dynamodbStarting = startDynamoDbLocal({
    port: dynamodbPort,
    dataDir: ephemeral ? undefined : join(dataDir, "dynamodb"),
  });
  dynamodbStarting.catch(() => {});

  const deadLetters = new DeadLetters(join(dataDir, "dead-letters"));
  const edgeUrl = `http://127.0.0.1:${edgePort}`;
  const { functions, missingHandlers } = functionDefinitions(options.root, wiring, names, {
    edgeUrl,
    dynamodbUrl,
    app,
    concurrency: options.concurrency ?? 4,
  });
  const lambda = new LambdaRuntime({
    functions,
    region: LOCAL_ACCOUNT.region,
    accountId: LOCAL_ACCOUNT.accountId,
    deadLetters,
    asyncConfig: Object.fromEntries(
      wiring.functions
        .filter((f) => f.failureQueue)
        .map((f) => [
          names.functionName(f.id),
          { maximumRetryAttempts: ASYNC_RETRY_ATTEMPTS, onFailure: f.failureQueue },
        ]),
    ),
    asyncRetryDelayMs: options.asyncRetryDelayMs,
    log,
    functionLogs: new FunctionLogs(options.functionOutput),
  });

  const events = new EventBridge({
    region: LOCAL_ACCOUNT.region,
    accountId: LOCAL_ACCOUNT.accountId,
    lambda,
    deadLetters,
    retryDelayMs: options.deliveryRetryDelayMs,
    log,
  });
  events.createBus(names.bus);
  // As the stacks do: the platform bus keeps every event for replay.
  events.addArchive(new EventArchive(names.archive, names.bus, join(dataDir, "archive")));
  for (const rule of wiring.rules) {
    const created = events.putRule({
      name: rule.id,
      bus: names.bus,
      pattern: JSON.stringify(rule.pattern),
      description: rule.description,
    });
    created.targets = [
      { id: rule.target, kind: "lambda", functionName: names.functionName(rule.target) },
    ];
    created.retry = rule.retry;
    created.deadLetterQueue = rule.deadLetterQueue;
  }
  const scheduler = new Scheduler({
    schedules: wiring.schedules,
    functionName: names.functionName,
    events,
    lambda,
    log,
  });
  const forward = events.putRule({
    name: "ForwardBucketEvents",
    bus: "default",
    pattern: JSON.stringify(bucketEventsPattern(names.bucket)),
  });
  forward.targets = [{ id: "PlatformBus", kind: "bus", busName: names.bus }];
  forward.deadLetterQueue = "ForwardBucketEventsDlq";

  const store = await S3Store.open(join(dataDir, "s3"));
  const s3 = createS3Service({
    store,
    secrets: (key) =>
      key === LOCAL_ACCOUNT.accessKeyId ? LOCAL_ACCOUNT.secretAccessKey : undefined,
    emit: (event) => events.put("default", event),
    region: LOCAL_ACCOUNT.region,
    accountId: LOCAL_ACCOUNT.accountId,
    buckets: [{ name: names.bucket, cors: [uploadsBucketCors(options.corsOrigins ?? ["*"])] }],
  });

  await s3.ready;
  // SNS needs the edge's URL for its confirmation links, so it is created once the edge listens.
  let sns: SnsService | undefined;
  const settle = async () => {
    await events.drain();
    await sns?.drain();
    await lambda.drain();
    await events.drain();
  };
  let server: Server | undefined;
  let issuer: LocalIssuer | undefined;
  let api: HttpApi | undefined;
  let serverApi: RestApi | undefined;
  const credentialsDir = options.credentialsDir ?? dataDir;
  let stopDynamoDb = async () => {
    await (await dynamodbStarting.catch(() => undefined))?.stop();
  };
  try {
    const edge = await startEdge(
      {
        s3: s3.handle,
        events: createEventsApi(events),
        lambda: createLambdaApi(lambda),
        dynamodb: forwardTo(dynamodbUrl),
        sns: async (req, res) => {
          if (!sns) throw new Error("SNS is not ready yet");
          await sns.handle(req, res);
        },
        admin: createAdminApi({ deadLetters, events, lambda, scheduler }),
      },
      edgePort,
      log,
    );
    server = edge.server;
    sns = createSnsService({
      region: LOCAL_ACCOUNT.region,
      accountId: LOCAL_ACCOUNT.accountId,
      lambda,
      deadLetters,
      publicUrl: edge.url,
      retryDelayMs: options.deliveryRetryDelayMs,
      log,
    });
    const topicArns = Object.fromEntries(
      wiring.topics.map((topic) => [
        topic.id,
        sns?.createTopic(names.topics[topic.id] ?? topic.id),
      ]),
    );
    for (const sub of wiring.topicSubscriptions) {
      const attributes: Record<string, string> = { FilterPolicyScope: sub.filterPolicyScope };
      if (sub.filterPolicy) attributes.FilterPolicy = JSON.stringify(sub.filterPolicy);
      const endpoint = lambda.arnOf(names.functionName(sub.target));
      sns.subscribe(String(topicArns[sub.topic]), "lambda", endpoint, attributes);
    }
    // Functions must reach this endpoint; with port 0 it is only known now.
    if (edgePort === 0) for (const fn of functions) retarget(fn, edge.url);
    issuer = await startLocalIssuer({ dataDir: credentialsDir, port: options.issuerPort });
    api = await startHttpApi({
      port: apiPort,
      routes: wiring.routes.map((route) => ({
        method: route.method,
        path: route.path,
        functionName: names.functionName(route.target),
        auth: route.auth,
        scopes: route.scopes,
      })),
      invoker: lambda,
      authorizer: createJwtAuthorizer({ issuer: issuer.issuer, audiences: [LOCAL_AUDIENCE] }),
      cors: apiCors(options.corsOrigins ?? ["*"]),
      log,
    });
    serverApi = await startRestApi({
      port: serverApiPort,
      routes: wiring.routes
        .filter((route) => route.auth === "jwt")
        .map((route) => ({
          method: route.method,
          path: route.path,
          functionName: names.functionName(route.target),
        })),
      invoker: lambda,
      apiKeys: new ApiKeys(credentialsDir),
      stage: app.stage,
      binaryMediaTypes: SERVER_API_BINARY_TYPES,
      log,
    });
    const [dynamodb] = await Promise.all([dynamodbStarting, lambda.warmAll()]);
    stopDynamoDb = dynamodb.stop;
    const dynamo = localClient(dynamodbUrl);
    await ensureTables(
      dynamo,
      wiring.tables.map((table) => ({ name: names.tables[table.id] ?? table.id, table })),
    );
    dynamo.destroy();
    const started = { api, serverApi, issuer };
    // Only now: a schedule must not fire before its function can run.
    scheduler.start();
    return {
      endpoint: edge.url,
      apiUrl: started.api.url,
      serverApiUrl: started.serverApi.url,
      issuer: started.issuer.issuer,
      credentialsDir,
      dynamodbEndpoint: dynamodbUrl,
      dataDir,
      wiring,
      names,
      lambda,
      events,
      sns,
      deadLetters,
      missingHandlers,
      async runSchedule(id) {
        if (!scheduler.run(id))
          throw new Error(
            `no schedule "${id}"; the manifests declare: ${scheduler.ids().join(", ") || "none"}`,
          );
      },
      settle,
      functionLogs: (functionName) => lambda.logs(functionName),
      async stop() {
        scheduler.stop();
        await started.api.stop();
        await started.serverApi.stop();
        await started.issuer.stop();
        await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
        server?.closeAllConnections();
        await lambda.stop();
        await dynamodb.stop();
        if (ephemeral) await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    server?.close();
    await api?.stop();
    await serverApi?.stop();
    await issuer?.stop();
    await lambda.stop();
    await stopDynamoDb();
    throw error;
  }
}
