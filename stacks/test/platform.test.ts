import {
  bucketEventsPattern,
  buildWiring,
  PLATFORM_OPERATIONS,
  PROXY_SERVICE,
  parseProxyOperations,
  proxyOperations,
} from "@platform/manifest";
import { beforeAll, describe, expect, it } from "vitest";
import type { PlatformConfig } from "../config.ts";
import { platform } from "../index.ts";
import { LINK_ACTIONS } from "../links.ts";
import { manifests } from "../manifests.ts";
import { asList, policyDocument, type SynthesizedResource, synthesize } from "./harness.ts";

const config: PlatformConfig = {
  authIssuer: "https://issuer.example.com/",
  authAudiences: ["file-platform"],
  corsOrigins: ["https://app.example.com"],
  archiveRetentionDays: 30,
  tmpExpiryDays: 1,
};

let resources: SynthesizedResource[] = [];
const ofType = (type: string) => resources.filter((r) => r.type === type);
const named = (type: string, name: string) => {
  const found = ofType(type).find((r) => r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
};
const wiring = buildWiring(manifests);
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const LAMBDA = "aws:lambda/function:Function";
const ROLE = "aws:iam/role:Role";

beforeAll(async () => {
  resources = await synthesize(() => platform(manifests, config));
});

describe("subscriptions", () => {
  it("turns each manifest subscription into exactly one rule on the platform bus, with its pattern", () => {
    const bus = named("aws:cloudwatch/eventBus:EventBus", "BusBus").state.name;
    const subscriptionRules = ofType(RULE).filter((r) => r.inputs.eventBusName === bus);
    const declared = manifests.flatMap((m) => Object.keys(m.subscriptions ?? {}));
    expect(subscriptionRules).toHaveLength(declared.length);
    for (const rule of wiring.rules) {
      const created = ofType(RULE).filter((r) => r.name === `${rule.id}Rule`);
      expect(created).toHaveLength(1);
      expect(created[0]?.inputs.eventBusName).toBe(bus);
      expect(JSON.parse(String(created[0]?.inputs.eventPattern))).toEqual(rule.pattern);
    }
  });

  it("targets each rule at its manifest's function with a retry policy and its own DLQ", () => {
    for (const rule of wiring.rules) {
      const target = named(TARGET, `${rule.id}Target`);
      const fn = named(LAMBDA, `${rule.target}Function`);
      const dlq = named("aws:sqs/queue:Queue", `${rule.deadLetterQueue}Queue`);
      expect(target.inputs).toMatchObject({
        arn: fn.state.arn,
        retryPolicy: {
          maximumRetryAttempts: rule.retry.maximumRetryAttempts,
          maximumEventAgeInSeconds: rule.retry.maximumEventAgeSeconds,
        },
        deadLetterConfig: { arn: dlq.state.arn },
      });
      expect(dlq.inputs.messageRetentionSeconds).toBe(1_209_600);
    }
  });

  it("lets only its own rule write to each DLQ, and only EventBridge invoke for that rule", () => {
    for (const rule of wiring.rules) {
      const ruleArn = named(RULE, `${rule.id}Rule`).state.arn;
      const [statement, ...others] = policyDocument(
        named("aws:sqs/queuePolicy:QueuePolicy", `${rule.deadLetterQueue}Policy`).inputs.policy,
      ).Statement;
      expect(others).toEqual([]);
      expect(statement).toMatchObject({
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Principal: { Service: "events.amazonaws.com" },
        Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
      });
      expect(named("aws:lambda/permission:Permission", `${rule.id}Invoke`).inputs).toMatchObject({
        principal: "events.amazonaws.com",
        sourceArn: ruleArn,
      });
    }
  });

  it("forwards the bucket's object events from the default bus to the platform bus", () => {
    const bucket = named("aws:s3/bucket:Bucket", "UploadsBucket").state.bucket as string;
    const bus = named("aws:cloudwatch/eventBus:EventBus", "BusBus").state;
    const rule = named(RULE, "ForwardBucketEventsRule");
    expect(rule.inputs.eventBusName).toBe("default");
    expect(JSON.parse(String(rule.inputs.eventPattern))).toEqual(bucketEventsPattern(bucket));
    const target = named(TARGET, "ForwardBucketEventsTarget");
    expect(target.inputs).toMatchObject({
      arn: bus.arn,
      roleArn: named(ROLE, "ForwardBucketEventsRole").state.arn,
      deadLetterConfig: {
        arn: named("aws:sqs/queue:Queue", "ForwardBucketEventsDlqQueue").state.arn,
      },
    });
    const role = named(ROLE, "ForwardBucketEventsRole").inputs.inlinePolicies as {
      policy: string;
    }[];
    expect(role.flatMap((p) => policyDocument(p.policy).Statement)).toEqual([
      { Effect: "Allow", Action: "events:PutEvents", Resource: bus.arn },
    ]);
  });

  it("archives the platform bus for replay", () => {
    expect(named("aws:cloudwatch/eventArchive:EventArchive", "BusArchive").inputs).toMatchObject({
      eventSourceArn: named("aws:cloudwatch/eventBus:EventBus", "BusBus").state.arn,
      retentionDays: 30,
    });
  });
});

describe("failing subscribers", () => {
  it("retry twice, then park the event in the function's own failure queue", () => {
    const subscribers = wiring.functions.filter((f) => f.failureQueue);
    expect(subscribers.map((f) => f.id).sort()).toEqual(
      [...new Set([...wiring.rules, ...wiring.schedules].map((r) => r.target))].sort(),
    );
    for (const fn of subscribers) {
      const queue = named("aws:sqs/queue:Queue", `${fn.failureQueue}Queue`);
      expect(
        named(
          "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
          `${fn.id}AsyncConfig`,
        ).inputs,
      ).toEqual({
        functionName: named(LAMBDA, `${fn.id}Function`).state.name,
        maximumRetryAttempts: 2,
        destinationConfig: { onFailure: { destination: queue.state.arn } },
      });
      expect(queue.inputs.messageRetentionSeconds).toBe(1_209_600);
    }
  });

  it("leaves functions that no subscription invokes without one", () => {
    expect(
      ofType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").map((r) => r.name),
    ).not.toContain("UploadApiAsyncConfig");
  });
});

describe("upload bucket", () => {
  const bucketName = () => named("aws:s3/bucket:Bucket", "UploadsBucket").state.bucket;

  it("blocks every form of public access", () => {
    expect(
      named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "UploadsPublicAccessBlock")
        .inputs,
    ).toEqual({
      bucket: bucketName(),
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  });

  it("denies every request that is not HTTPS", () => {
    const policy = policyDocument(
      named("aws:s3/bucketPolicy:BucketPolicy", "UploadsPolicy").inputs.policy,
    );
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Action: ["s3:*"],
        Condition: { Bool: { "aws:SecureTransport": ["false"] } },
      }),
    );
    expect(policy.Statement.filter((s) => s.Effect === "Allow")).toEqual([]);
  });

  it("sends its events to EventBridge", () => {
    expect(named("aws:s3/bucketNotification:BucketNotification", "UploadsEvents").inputs).toEqual({
      bucket: bucketName(),
      eventbridge: true,
    });
  });

  it("allows browser uploads from the configured origins and exposes ETag", () => {
    const cors = named(
      "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
      "UploadsCors",
    ).inputs;
    expect(cors.corsRules).toEqual([
      expect.objectContaining({
        allowedOrigins: ["https://app.example.com"],
        allowedMethods: expect.arrayContaining(["PUT", "POST"]),
        exposeHeaders: ["ETag"],
      }),
    ]);
  });

  it("expires tmp/ and aborts incomplete multipart uploads", () => {
    const lifecycle = named(
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "UploadsLifecycle",
    );
    expect(lifecycle.inputs.bucket).toBe(bucketName());
    expect(lifecycle.inputs.rules).toEqual([
      expect.objectContaining({
        status: "Enabled",
        filter: { prefix: "tmp/" },
        expiration: { days: 1 },
      }),
      expect.objectContaining({
        status: "Enabled",
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      }),
    ]);
  });
});

describe("invocation rights", () => {
  const proxyName = "file-platform-test-invoke-proxy";
  const proxyArn = `arn:aws:lambda:us-east-1:123456789012:function:${proxyName}`;
  // Any action that can run a function (InvokeFunction, InvokeAsync, through a function URL), or
  // a wildcard covering one.
  const glob = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`, "i");
  const invokes = (action: string) =>
    ["lambda:InvokeFunction", "lambda:InvokeAsync", "lambda:InvokeFunctionUrl"].some((a) =>
      glob(action).test(a),
    );
  const invokeResources = (role: SynthesizedResource) =>
    ((role.inputs.inlinePolicies ?? []) as { policy: string }[])
      .flatMap((p) => policyDocument(p.policy).Statement)
      .filter((s) => asList(s.Action).some(invokes))
      .flatMap((s) => asList(s.Resource));
  const targetIds = [...new Set(wiring.operations.map((op) => op.target))];
  const proxyRole = `${wiring.proxy.id}Role`;

  it("gives the proxy its fixed name", () => {
    expect(named(LAMBDA, `${wiring.proxy.id}Function`).inputs.name).toBe(proxyName);
  });

  it("recognises every action that can invoke a function, and no other", () => {
    for (const action of [
      "lambda:InvokeFunction",
      "lambda:Invoke*",
      "lambda:*",
      "*",
      "LAMBDA:invokeasync",
    ])
      expect(invokes(action), action).toBe(true);
    for (const action of ["lambda:GetFunction", "s3:*", "lambda:List*", "lambda:Invoke"])
      expect(invokes(action), action).toBe(false);
  });

  it("lets only the proxy's role invoke the functions behind operations, and nothing else", () => {
    const targets = targetIds.map((id) => named(LAMBDA, `${id}Function`).state.arn).sort();
    expect(targets.length).toBeGreaterThan(0);
    expect(invokeResources(named(ROLE, proxyRole)).sort()).toEqual(targets);
    for (const role of ofType(ROLE).filter((r) => r.name !== proxyRole))
      for (const arn of invokeResources(role)) expect(targets, role.name).not.toContain(arn);
    // Nor may any service (EventBridge, SNS, API Gateway) invoke them, or the proxy, through a
    // resource policy.
    const permitted = ofType("aws:lambda/permission:Permission").map((p) =>
      String(p.inputs.function),
    );
    const subscriber = named(LAMBDA, `${wiring.rules[0]?.target}Function`).state;
    expect(permitted.some((p) => p === subscriber.name || p === subscriber.arn)).toBe(true);
    for (const id of [...targetIds, wiring.proxy.id]) {
      const { name, arn } = named(LAMBDA, `${id}Function`).state;
      expect(permitted, id).not.toContain(name);
      expect(permitted, id).not.toContain(arn);
    }
    expect(permitted).not.toContain(proxyName);
  });

  it("lets every function that links InvokeProxy invoke the proxy and only the proxy", () => {
    const linked = wiring.functions.filter((f) => f.link.includes("InvokeProxy"));
    expect(linked.length).toBeGreaterThan(0);
    for (const fn of linked)
      expect(invokeResources(named(ROLE, `${fn.id}Role`)), fn.id).toEqual([proxyArn]);
  });

  it("gives no other role the right to invoke any function at all", () => {
    const allowed = new Set([
      proxyRole,
      ...wiring.functions.filter((f) => f.link.includes("InvokeProxy")).map((f) => `${f.id}Role`),
    ]);
    const others = ofType(ROLE).filter((r) => !allowed.has(r.name));
    // Every other function's role, the forwarder's, and API Gateway's logging role: all checked.
    const functionRoles = wiring.functions
      .filter((f) => !allowed.has(`${f.id}Role`))
      .map((f) => `${f.id}Role`);
    expect(others.map((r) => r.name)).toEqual(expect.arrayContaining(functionRoles));
    for (const role of others) expect(invokeResources(role), role.name).toEqual([]);
  });

  it("tells the proxy each operation's target and callers, from the same wiring as the local cloud", () => {
    const variables = (id: string) =>
      (
        (named(LAMBDA, `${id}Function`).inputs.environment ?? {}) as {
          variables?: Record<string, string>;
        }
      ).variables ?? {};
    const table = parseProxyOperations(variables(wiring.proxy.id)[PLATFORM_OPERATIONS]);
    expect(table).toEqual(proxyOperations(wiring));
    expect(Object.keys(table).sort()).toEqual(wiring.operations.map((op) => op.name).sort());
    for (const fn of wiring.functions.filter((f) => !f.isProxy))
      expect(variables(fn.id), fn.id).not.toHaveProperty(PLATFORM_OPERATIONS);
  });

  it("never tells a function it runs locally, so the cloud's stricter rules apply", () => {
    // PLATFORM_RUNTIME=local is the local cloud's alone; notify's webhook address checks rely on it.
    for (const fn of wiring.functions) {
      const environment = named(LAMBDA, `${fn.id}Function`).inputs.environment as
        | { variables?: Record<string, string> }
        | undefined;
      expect(environment?.variables ?? {}, fn.id).not.toHaveProperty("PLATFORM_RUNTIME");
    }
  });

  it("lets only Lambda assume a function's role", () => {
    for (const fn of wiring.functions) {
      const trust = policyDocument(named(ROLE, `${fn.id}Role`).inputs.assumeRolePolicy);
      expect(trust.Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ]);
    }
  });
});

describe("link permissions", () => {
  const statementsOf = (roleName: string) =>
    ((named(ROLE, roleName).inputs.inlinePolicies ?? []) as { policy: string }[]).flatMap(
      (p) => policyDocument(p.policy).Statement,
    );

  it("grants only named data-plane actions, never a wildcard, never on every resource", () => {
    const allowed = new Set<string>([
      ...Object.values(LINK_ACTIONS).flat(),
      "lambda:InvokeFunction",
    ]);
    for (const fn of wiring.functions) {
      const ownQueue = fn.failureQueue
        ? named("aws:sqs/queue:Queue", `${fn.failureQueue}Queue`).state.arn
        : undefined;
      for (const statement of statementsOf(`${fn.id}Role`)) {
        for (const action of asList(statement.Action)) {
          // The one grant that is not a link: sending to its own failure queue.
          if (action === "sqs:SendMessage")
            expect(asList(statement.Resource), fn.id).toEqual([ownQueue]);
          else expect(allowed, `${fn.id}: ${action}`).toContain(action);
        }
        for (const resource of asList(statement.Resource)) expect(resource, fn.id).not.toBe("*");
      }
    }
  });

  it("scopes each grant to the resources the function links, and nothing else", () => {
    const arnOf = (type: string, name: string) => String(named(type, name).state.arn);
    const files = arnOf("aws:dynamodb/table:Table", "FilesTable");
    const ledger = arnOf("aws:dynamodb/table:Table", "LedgerTable");
    const bucket = arnOf("aws:s3/bucket:Bucket", "UploadsBucket");
    const resources = (role: string) => statementsOf(role).flatMap((s) => asList(s.Resource));

    const auditFailures = arnOf("aws:sqs/queue:Queue", "AuditRecordFailuresQueue");
    expect(resources("AuditRecordRole").sort()).toEqual(
      [ledger, `${ledger}/index/*`, auditFailures].sort(),
    );
    expect(resources("UploadApiRole")).toEqual(
      expect.arrayContaining([files, `${bucket}/*`, bucket]),
    );
    expect(resources("UploadApiRole")).not.toContain(ledger);
    const put = statementsOf("UploadApiRole").find((s) =>
      asList(s.Action).includes("s3:PutObject"),
    );
    expect(put?.Resource).toEqual([`${bucket}/*`]);
  });
});

describe("functions", () => {
  it("creates one Lambda per manifest function, with its memory, timeout and runtime", () => {
    expect(ofType(LAMBDA)).toHaveLength(wiring.functions.length);
    for (const fn of wiring.functions) {
      const lambda = named(LAMBDA, `${fn.id}Function`).inputs;
      expect(lambda).toMatchObject({
        runtime: "nodejs24.x",
        memorySize: Number.parseInt(fn.memory, 10),
        architectures: ["arm64"],
        description: fn.description,
      });
    }
    expect(named(LAMBDA, "ImagingProcessFunction").inputs).toMatchObject({
      memorySize: 2048,
      timeout: 120,
    });
  });
});

describe("HTTP API", () => {
  const routes = () => ofType("aws:apigatewayv2/route:Route");
  // The upload API's and the webhooks API's OpenAPI documents are public, as is health.
  const PUBLIC = ["GET /health", "GET /openapi.json", "GET /webhooks/openapi.json"];

  it("serves every route the manifests declare, once", () => {
    expect(
      routes()
        .map((r) => r.inputs.routeKey)
        .sort(),
    ).toEqual(wiring.routes.map((r) => r.key).sort());
  });

  it("puts every route but health and the OpenAPI documents behind the JWT authorizer, with its scopes", () => {
    const authorizer = ofType("aws:apigatewayv2/authorizer:Authorizer");
    expect(authorizer).toHaveLength(1);
    expect(authorizer[0]?.inputs).toMatchObject({
      authorizerType: "JWT",
      identitySources: ["$request.header.Authorization"],
      jwtConfiguration: { issuer: config.authIssuer, audiences: config.authAudiences },
    });
    for (const route of routes()) {
      const key = String(route.inputs.routeKey);
      const declared = wiring.routes.find((r) => r.key === key);
      if (PUBLIC.includes(key)) {
        expect(route.inputs.authorizationType, key).toBe("NONE");
      } else {
        expect(route.inputs, key).toMatchObject({
          authorizationType: "JWT",
          authorizerId: `${authorizer[0]?.name}-id`,
          authorizationScopes: declared?.scopes,
        });
        expect(declared?.scopes.length, key).toBeGreaterThan(0);
      }
    }
  });
});

describe("server door (REST API with API keys)", () => {
  const methods = () =>
    ofType("aws:apigateway/method:Method").filter((m) => m.inputs.httpMethod !== "OPTIONS");

  it("serves every authenticated route, and only those, each requiring an API key", () => {
    const authenticated = wiring.routes.filter((r) => r.auth === "jwt");
    expect(methods()).toHaveLength(authenticated.length);
    for (const method of methods())
      expect(method.inputs).toMatchObject({ apiKeyRequired: true, authorization: "NONE" });
  });

  it("proxies to the same functions as the HTTP API", () => {
    const targets = new Set(
      wiring.routes
        .filter((r) => r.auth === "jwt")
        .map((r) => String(named(LAMBDA, `${r.target}Function`).state.arn)),
    );
    const proxied = ofType("aws:apigateway/integration:Integration").filter(
      (i) => i.inputs.type === "AWS_PROXY",
    );
    expect(proxied).toHaveLength(methods().length);
    for (const integration of proxied) {
      const arn = /functions\/(.+)\/invocations$/.exec(String(integration.inputs.uri))?.[1];
      expect(targets).toContain(arn);
    }
  });

  it("enforces the standard usage plan on its stage, and takes binary uploads as such", () => {
    const [plan, ...others] = ofType("aws:apigateway/usagePlan:UsagePlan");
    expect(others).toEqual([]);
    expect(plan?.inputs).toMatchObject({
      apiStages: [{ stage: "test" }],
      throttleSettings: { rateLimit: 10, burstLimit: 20 },
      quotaSettings: { limit: 10_000, period: "DAY" },
    });
    expect(named("aws:apigateway/restApi:RestApi", "ServerApiApi").inputs).toMatchObject({
      apiKeySource: "HEADER",
      binaryMediaTypes: expect.arrayContaining(["multipart/form-data", "image/*"]),
    });
  });
});

describe("service data", () => {
  it("creates each manifest's tables with their keys, indexes and TTL", () => {
    for (const table of wiring.tables) {
      const created = named("aws:dynamodb/table:Table", `${table.id}Table`).inputs;
      expect(created).toMatchObject({
        hashKey: table.spec.primaryIndex.hashKey,
        billingMode: "PAY_PER_REQUEST",
      });
      const indexes = (created.globalSecondaryIndexes as { name: string }[])
        .map((i) => i.name)
        .sort();
      expect(indexes).toEqual(Object.keys(table.spec.globalIndexes ?? {}).sort());
      if (table.spec.ttl)
        expect(created.ttl).toEqual({ attributeName: table.spec.ttl, enabled: true });
    }
  });

  it("creates each manifest's topics", () => {
    for (const topic of wiring.topics)
      expect(named("aws:sns/topic:Topic", `${topic.id}Topic`)).toBeDefined();
  });

  it("includes the invoke-proxy service", () => {
    expect(manifests.map((m) => m.name)).toContain(PROXY_SERVICE);
  });
});
