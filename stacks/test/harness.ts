import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";

/**
 * Runs SST components under Pulumi mocks, the way SST's own platform tests do, and records every
 * resource they create with its inputs. Nothing reaches AWS.
 */

export interface SynthesizedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
}

const root = resolve(import.meta.dirname, "../..");
const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

/** Outputs AWS would compute, so that ARNs and names flow between resources as in a deploy. */
function stateFor(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const physical = (inputs.name as string | undefined) ?? name;
  switch (type) {
    case "aws:lambda/function:Function":
      return {
        name: physical,
        arn: arn("lambda", `function:${physical}`),
        invokeArn: `invoke:${physical}`,
      };
    case "aws:iam/role:Role":
      return { name: physical, arn: `arn:aws:iam::${ACCOUNT}:role/${physical}` };
    case "aws:cloudwatch/eventBus:EventBus":
      return { name: physical, arn: arn("events", `event-bus/${physical}`) };
    case "aws:cloudwatch/eventRule:EventRule": {
      // Rules on the default bus (every scheduled rule) have no bus in their ARN.
      const bus = inputs.eventBusName as string | undefined;
      const path = bus && bus !== "default" ? `${bus}/${physical}` : physical;
      return { name: physical, arn: arn("events", `rule/${path}`) };
    }
    case "aws:sqs/queue:Queue":
      return {
        name: physical,
        arn: arn("sqs", physical),
        url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${physical}`,
      };
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2": {
      const bucket = (inputs.bucket as string | undefined) ?? `${name.toLowerCase()}-bucket`;
      return { bucket, id: bucket, arn: `arn:aws:s3:::${bucket}` };
    }
    case "aws:dynamodb/table:Table":
      return { name: physical, arn: arn("dynamodb", `table/${physical}`) };
    case "aws:sns/topic:Topic":
      return { name: physical, arn: arn("sns", physical) };
    default:
      return { arn: arn("mock", name) };
  }
}

interface StatementInput {
  sid?: string;
  effect?: string;
  actions?: string[];
  resources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  conditions?: { test: string; variable: string; values: string[] }[];
}

/** What `aws.iam.getPolicyDocument` renders, for the statements SST's components pass it. */
function policyFromInputs(inputs: Record<string, unknown>) {
  const statements = (inputs.statements ?? []) as StatementInput[];
  return {
    Version: "2012-10-17",
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: s.effect === "Deny" || s.effect === "deny" ? "Deny" : "Allow",
      Action: s.actions ?? [],
      Resource: s.resources ?? [],
      ...(s.principals
        ? { Principal: Object.fromEntries(s.principals.map((p) => [p.type, p.identifiers])) }
        : {}),
      ...(s.conditions
        ? {
            Condition: Object.fromEntries(
              s.conditions.map((c) => [c.test, { [c.variable]: c.values }]),
            ),
          }
        : {}),
    })),
  };
}

/** Answers the calls SST's components make to the CLI; real bundling is not exercised offline. */
async function startCliStub() {
  const out = mkdtempSync(join(tmpdir(), "sst-build-"));
  writeFileSync(join(out, "index.mjs"), "export const handler = async () => ({});\n");
  const results: Record<string, unknown> = {
    "Provider.Aws.Bootstrap": {
      asset: "sst-asset",
      assetEcrRegistryId: ACCOUNT,
      assetEcrUrl: "ecr.local/sst",
      state: "sst-state",
    },
    "Runtime.Build": { handler: "index.handler", out, errors: [], sourcemaps: [] },
  };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const { method } = JSON.parse(body) as { method: string };
      const result = results[method];
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(result ? { result } : { error: `rpc: can't find ${method}` }));
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  process.env.SST_SERVER = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return server;
}

/** The globals `sst` sets up before it runs sst.config.ts. */
async function installSstGlobals() {
  const g = globalThis as Record<string, unknown>;
  g.$app = {
    name: "file-platform",
    stage: "test",
    removal: "remove",
    protect: false,
    providers: {},
  };
  g.$dev = false;
  g.$cli = {
    command: "deploy",
    rpc: "",
    paths: { home: root, root, work: join(root, ".sst"), platform: join(root, ".sst/platform") },
    state: { version: {} },
  };
  Object.assign(g, {
    $util: pulumi,
    $output: pulumi.output,
    $resolve: pulumi.all,
    $interpolate: pulumi.interpolate,
    $concat: pulumi.concat,
    $jsonStringify: pulumi.jsonStringify,
    $jsonParse: pulumi.jsonParse,
  });
  g.aws = await import("@pulumi/aws");
  g.sst = await import("../../.sst/platform/src/components/index.ts");
  const { $transform, $asset } = await import("../../.sst/platform/src/components/component.ts");
  const { Link } = await import("../../.sst/platform/src/components/link.ts");
  Object.assign(g, { $transform, $asset, $linkable: Link.linkable });
}

/**
 * Waits for every pending registration (Outputs resolve asynchronously, and a function's bundle
 * is zipped before its Lambda is declared). Pulumi's own queue drains first; the quiet period
 * catches work that SST starts from inside `apply` after the queue looked empty.
 */
async function settle(resources: SynthesizedResource[]) {
  let seen = -1;
  while (resources.length !== seen) {
    seen = resources.length;
    await pulumi.runtime.disconnect();
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Runs `program` under mocks; `resources` (pass your own to inspect it after a failure) gets every resource. */
export async function synthesize(
  program: () => unknown,
  resources: SynthesizedResource[] = [],
): Promise<SynthesizedResource[]> {
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const state = { ...args.inputs, ...stateFor(args.type, args.name, args.inputs) };
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, state });
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        switch (args.token) {
          case "aws:index/getRegion:getRegion":
            return { name: REGION, region: REGION, id: REGION };
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/test`, userId: "test" };
          case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
          case "aws:iam/getPolicyDocument:getPolicyDocument":
            return { ...args.inputs, json: JSON.stringify(policyFromInputs(args.inputs)) };
          default:
            throw new Error(`the infrastructure tests do not mock ${args.token}`);
        }
      },
    },
    "file-platform",
    "test",
    false,
  );
  await installSstGlobals();
  const server = await startCliStub();
  try {
    await program();
    await settle(resources);
  } finally {
    server.close();
  }
  return resources;
}

/** Reads a policy document that Pulumi may hand over as a JSON string or an object. */
export function policyDocument(policy: unknown): { Statement: PolicyStatement[] } {
  return (typeof policy === "string" ? JSON.parse(policy) : policy) as {
    Statement: PolicyStatement[];
  };
}

export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
