process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  DescribeReplayCommand,
  EventBridgeClient,
  ListArchivesCommand,
  StartReplayCommand,
} from "@aws-sdk/client-eventbridge";
import type { ServiceManifest } from "@platform/manifest";
import { apiKeysCommand } from "./apigateway/api-keys-command.ts";
import { tokenCommand } from "./apigateway/token.ts";
import { LOCAL_ACCOUNT } from "./names.ts";
import { type LocalCloud, startLocalCloud } from "./platform.ts";

const USAGE = `usage:
  local-cloud start --manifests <module> [--ephemeral] [--port 4566] [--data .local]
  local-cloud dlq [list [<queue>] | redrive <queue>] [--port 4566]
  local-cloud schedule run <id> [--port 4566]
  local-cloud replay --from <time> --to <time> [--rule <name>...] [--port 4566] [--data .local]
  local-cloud token --sub <user> [--scope <s>...] [--ttl <seconds>] [--aud <audience>]
  local-cloud api-keys create --name <n> --owner <o> [--rate 10] [--burst 20] [--quota 10000] | list | revoke <id>`;

async function start(values: {
  manifests?: string;
  ephemeral?: boolean;
  port?: string;
  "api-port"?: string;
  "server-api-port"?: string;
  data?: string;
}) {
  if (!values.manifests) throw new Error(`--manifests is required\n${USAGE}`);
  const began = performance.now();
  const root = process.cwd();
  const module = (await import(resolve(root, values.manifests))) as {
    manifests: ServiceManifest[];
  };
  const localDir = resolve(root, values.data ?? ".local");
  const cloud = await startLocalCloud({
    root,
    manifests: module.manifests,
    dataDir: values.ephemeral ? undefined : localDir,
    credentialsDir: localDir,
    edgePort: Number(values.port ?? 4566),
    apiPort: Number(values["api-port"] ?? 3000),
    serverApiPort: Number(values["server-api-port"] ?? 3001),
    log: (line) => console.log(line),
  });
  const endpoints = describe(cloud);
  await mkdir(localDir, { recursive: true });
  await writeFile(join(localDir, "endpoints.json"), `${JSON.stringify(endpoints, null, 2)}\n`);

  console.log(
    `\nlocal cloud up in ${((performance.now() - began) / 1000).toFixed(1)} s  (${values.ephemeral ? "ephemeral" : `data in ${localDir}`})`,
  );
  console.log(`  endpoint   ${cloud.endpoint}   (S3, EventBridge, Lambda, DynamoDB)`);
  console.log(`  dynamodb   ${cloud.dynamodbEndpoint}   (DynamoDB Local, direct)`);
  console.log(`  http api   ${cloud.apiUrl}   (API Gateway HTTP API: the routes, with JWTs)`);
  console.log(`  server api ${cloud.serverApiUrl}   (REST API: the same routes, with API keys)`);
  console.log(
    `  issuer     ${cloud.issuer}   (OIDC: npm run token -- --sub <user> --scope <scope>)`,
  );
  console.log(`  bucket     ${cloud.names.bucket}`);
  console.log(`  bus        ${cloud.names.bus}`);
  console.log(`  functions  ${cloud.lambda.names().length}`);
  console.log(
    `\n  export AWS_ENDPOINT_URL=${cloud.endpoint} AWS_REGION=${LOCAL_ACCOUNT.region} AWS_DEFAULT_REGION=${LOCAL_ACCOUNT.region} \\`,
  );
  console.log(
    `         AWS_ACCESS_KEY_ID=${LOCAL_ACCOUNT.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_ACCOUNT.secretAccessKey}`,
  );
  console.log(`  (also in ${join(localDir, "endpoints.json")})`);
  if (cloud.missingHandlers.length > 0)
    console.log(
      `\n  not yet written (invocations fail with Runtime.ImportModuleError):\n    ${cloud.missingHandlers.join("\n    ")}`,
    );
  console.log("\nCtrl-C to stop.\n");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping (letting deliveries in flight finish)…`);
    await Promise.race([cloud.settle(), new Promise((r) => setTimeout(r, 5_000))]);
    await cloud.stop();
    console.log("stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

function describe(cloud: LocalCloud) {
  return {
    endpoint: cloud.endpoint,
    api: cloud.apiUrl,
    serverApi: cloud.serverApiUrl,
    issuer: cloud.issuer,
    services: {
      s3: cloud.endpoint,
      events: cloud.endpoint,
      lambda: cloud.endpoint,
      dynamodb: cloud.dynamodbEndpoint,
    },
    region: LOCAL_ACCOUNT.region,
    accountId: LOCAL_ACCOUNT.accountId,
    credentials: {
      accessKeyId: LOCAL_ACCOUNT.accessKeyId,
      secretAccessKey: LOCAL_ACCOUNT.secretAccessKey,
    },
    resources: cloud.names.links,
  };
}

/** Calls the running local cloud's admin API (/_local/). */
async function callAdmin(port: string, url: string, method = "GET") {
  const res = await fetch(url, { method }).catch(() => {
    throw new Error(`no local cloud answers on port ${port}: start it with npm start`);
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function deadLetters(args: string[], port: string) {
  const base = `http://127.0.0.1:${port}/_local/dead-letters`;
  const [action = "list", queue] = args;
  const call = async (url: string, method = "GET") => (await callAdmin(port, url, method)).body;
  if (action === "list" && !queue) {
    const { queues } = (await call(base)) as { queues: { name: string; count: number }[] };
    if (queues.length === 0) console.log("no dead letters");
    for (const q of queues) console.log(`${q.name.padEnd(36)} ${q.count}`);
  } else if (action === "list" && queue) {
    console.log(JSON.stringify(await call(`${base}/${encodeURIComponent(queue)}`), null, 2));
  } else if (action === "redrive" && queue) {
    const result = await call(`${base}/${encodeURIComponent(queue)}/redrive`, "POST");
    console.log(JSON.stringify(result, null, 2));
    if ((result.failed as unknown[]).length > 0) process.exitCode = 1;
  } else {
    throw new Error(USAGE);
  }
}

/** Fires a schedule once, now, in the running local cloud. */
async function schedule(args: string[], port: string) {
  const [action, id] = args;
  if (action !== "run" || !id) throw new Error(USAGE);
  const url = `http://127.0.0.1:${port}/_local/schedules/${encodeURIComponent(id)}/run`;
  const { status, body } = await callAdmin(port, url, "POST");
  if (status !== 202) throw new Error(String(body.message));
  console.log(`${id}: triggered`);
}

/** Replays an archived window through the running local cloud, with the SDK's StartReplay. */
async function replay(values: {
  from?: string;
  to?: string;
  rule?: string[];
  port?: string;
  data?: string;
}) {
  const from = values.from ? new Date(values.from) : undefined;
  const to = values.to ? new Date(values.to) : new Date();
  if (!from || Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
    throw new Error(
      `--from (and --to, default now) must be dates, e.g. 2026-11-24T10:00:00Z\n${USAGE}`,
    );
  const endpoints = JSON.parse(
    await readFile(join(resolve(values.data ?? ".local"), "endpoints.json"), "utf8").catch(() => {
      throw new Error("no .local/endpoints.json: start the local cloud with npm start first");
    }),
  ) as { endpoint: string; resources: Record<string, { name?: string; arn?: string }> };
  const endpoint = values.port ? `http://127.0.0.1:${values.port}` : endpoints.endpoint;
  const client = new EventBridgeClient({
    endpoint,
    region: LOCAL_ACCOUNT.region,
    credentials: {
      accessKeyId: LOCAL_ACCOUNT.accessKeyId,
      secretAccessKey: LOCAL_ACCOUNT.secretAccessKey,
    },
  });
  const { Archives = [] } = await client.send(new ListArchivesCommand({}));
  const archive = Archives[0];
  if (!archive?.ArchiveName || !archive.EventSourceArn)
    throw new Error("the local cloud has no archive");
  const busName = archive.EventSourceArn.split(":event-bus/").pop() ?? "";
  const ReplayName = `replay-${Date.now()}`;
  await client.send(
    new StartReplayCommand({
      ReplayName,
      EventSourceArn: archive.EventSourceArn.replace(
        /:event-bus\/.*$/,
        `:archive/${archive.ArchiveName}`,
      ),
      EventStartTime: from,
      EventEndTime: to,
      Destination: {
        Arn: archive.EventSourceArn,
        ...(values.rule?.length
          ? {
              FilterArns: values.rule.map(
                (r) =>
                  `arn:aws:events:${LOCAL_ACCOUNT.region}:${LOCAL_ACCOUNT.accountId}:rule/${busName}/${r}`,
              ),
            }
          : {}),
      },
    }),
  );
  const described = await client.send(new DescribeReplayCommand({ ReplayName }));
  console.log(`${ReplayName}: ${described.State}, ${described.StateReason}`);
}

/** `token` and `api-keys` parse their own arguments; the rest share these options. */
async function main(argv: string[]) {
  const [first, ...others] = argv;
  const credentials = resolve(".local");
  if (first === "token") return console.log(await tokenCommand(others, credentials));
  if (first === "api-keys") return console.log(await apiKeysCommand(others, credentials));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      manifests: { type: "string" },
      ephemeral: { type: "boolean" },
      port: { type: "string" },
      "api-port": { type: "string" },
      "server-api-port": { type: "string" },
      data: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      rule: { type: "string", multiple: true },
    },
  });
  const [command, ...rest] = positionals;
  if (command === "start") await start(values);
  else if (command === "dlq") await deadLetters(rest, values.port ?? "4566");
  else if (command === "schedule") await schedule(rest, values.port ?? "4566");
  else if (command === "replay") await replay(values);
  else throw new Error(USAGE);
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  const e = error as NodeJS.ErrnoException & { port?: number };
  if (e.code === "EADDRINUSE")
    console.error(
      `port ${e.port ?? ""} is already in use (is another npm start running?); choose others with --port and --api-port`,
    );
  else console.error(e.message);
  process.exit(error instanceof Error && /usage/i.test(error.name) ? 2 : 1);
}
