import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { type AddressInfo, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { LOCAL_ACCOUNT } from "../src/names.ts";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const running = new Set<ChildProcess>();

interface Endpoints {
  endpoint: string;
  services: { dynamodb: string };
  resources: Record<string, { name?: string }>;
}

/** Runs the local-cloud command in the fixtures' folder, as `npm start` runs it at the root. */
function cliProcess(...args: string[]) {
  return spawn(process.execPath, ["--import", "tsx", cli, ...args], {
    cwd: fixtures,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Waits for a command to end: its exit code and what it wrote. */
async function finished(child: ChildProcess) {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += String(d);
  });
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const code = await new Promise((resolve) => child.once("exit", resolve));
  return { code, stdout, stderr };
}

/** Runs `local-cloud start` on free ports, and waits until it says it is up. */
async function start(data: string, ...flags: string[]) {
  const child = cliProcess(
    "start",
    "--manifests",
    "manifests.ts",
    "--port",
    "0",
    "--api-port",
    "0",
    "--server-api-port",
    "0",
    "--data",
    data,
    ...flags,
  );
  running.add(child);
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (d) => {
      output += String(d);
      if (output.includes("Ctrl-C to stop")) resolve();
    });
    child.stderr?.on("data", (d) => {
      output += String(d);
    });
    child.once("exit", (code) => reject(new Error(`exited ${code} before it was up:\n${output}`)));
  });
  const endpoints = JSON.parse(readFileSync(join(data, "endpoints.json"), "utf8")) as Endpoints;
  return { child, endpoints, output: () => output };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals) {
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  child.kill(signal);
  const code = await exited;
  running.delete(child);
  return code;
}

const listening = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: LOCAL_ACCOUNT.region,
  credentials: {
    accessKeyId: LOCAL_ACCOUNT.accessKeyId,
    secretAccessKey: LOCAL_ACCOUNT.secretAccessKey,
  },
});

afterEach(() => {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
});

// Each test starts the whole local cloud (a JVM among it) once or twice: on a loaded machine that takes a while.
describe("npm start", { timeout: 120_000 }, () => {
  it("prints its endpoints, writes them to endpoints.json, and stops cleanly on SIGTERM with Java gone", async () => {
    const data = mkdtempSync(join(tmpdir(), "cli-"));
    const { child, endpoints, output } = await start(data, "--ephemeral");
    expect(output()).toContain(`endpoint   ${endpoints.endpoint}`);
    expect(output()).toContain(`AWS_ACCESS_KEY_ID=${LOCAL_ACCOUNT.accessKeyId}`);
    const health = (await (await fetch(`${endpoints.endpoint}/_local/health`)).json()) as {
      functions: string[];
    };
    expect(health.functions).toContain("RecorderFirst");
    expect(await listening(endpoints.services.dynamodb)).toBe(true);
    // Ephemeral: nothing but the endpoints file lands in the data folder.
    expect(existsSync(join(data, "s3"))).toBe(false);

    expect(await stop(child, "SIGTERM")).toBe(0);
    expect(output()).toContain("stopped.");
    expect(await listening(endpoints.endpoint)).toBe(false);
    expect(await listening(endpoints.services.dynamodb)).toBe(false);
  });

  it("keeps objects and table items across a restart, and stops on Ctrl-C", async () => {
    const data = mkdtempSync(join(tmpdir(), "cli-"));
    const first = await start(data);
    const bucket = String(first.endpoints.resources.Uploads?.name);
    const table = String(first.endpoints.resources.Records?.name);
    const s3 = (e: string) =>
      new S3Client({
        ...clientConfig(e),
        forcePathStyle: true,
        requestChecksumCalculation: "WHEN_REQUIRED",
      });
    await s3(first.endpoints.endpoint).send(
      new PutObjectCommand({ Bucket: bucket, Key: "kept.txt", Body: "still here" }),
    );
    await new DynamoDBClient(clientConfig(first.endpoints.endpoint)).send(
      new PutItemCommand({ TableName: table, Item: { pk: { S: "kept" } } }),
    );
    expect(await stop(first.child, "SIGINT")).toBe(0);

    const second = await start(data);
    const object = await s3(second.endpoints.endpoint).send(
      new GetObjectCommand({ Bucket: bucket, Key: "kept.txt" }),
    );
    expect(await object.Body?.transformToString()).toBe("still here");
    const kept = await new DynamoDBClient(clientConfig(second.endpoints.endpoint)).send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: "kept" } } }),
    );
    expect(kept.Item?.pk?.S).toBe("kept");
    expect(await stop(second.child, "SIGTERM")).toBe(0);
  });

  it("leaves no DynamoDB Local behind when it is killed without warning", async () => {
    const data = mkdtempSync(join(tmpdir(), "cli-"));
    const { child, endpoints } = await start(data, "--ephemeral");
    expect(await listening(endpoints.services.dynamodb)).toBe(true);
    await stop(child, "SIGKILL");
    // The watchdog looks for its parent once a second, then stops Java.
    for (let i = 0; i < 100 && (await listening(endpoints.services.dynamodb)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await listening(endpoints.services.dynamodb)).toBe(false);
  });

  it("lists the schedules it runs, and runs one on request with `schedule run`", async () => {
    const data = mkdtempSync(join(tmpdir(), "cli-"));
    const { child, endpoints, output } = await start(data, "--ephemeral");
    expect(output()).toContain("⏱ RecorderHourly → RecorderTick, rate(1 hour)\n");
    expect(output()).toContain(
      "⏱ RecorderNightly → RecorderTick, cron(0 3 * * ? *): runs here only when triggered",
    );
    const port = new URL(endpoints.endpoint).port;
    const ran = await finished(cliProcess("schedule", "run", "RecorderNightly", "--port", port));
    expect(ran).toMatchObject({ code: 0, stdout: "RecorderNightly: triggered\n" });
    const unknown = await finished(cliProcess("schedule", "run", "Nope", "--port", port));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no such schedule: Nope");
    expect(await stop(child, "SIGTERM")).toBe(0);
  });

  it("refuses a taken port with a clear message, before starting anything", async () => {
    const blocker = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => blocker.once("listening", resolve));
    const port = String((blocker.address() as AddressInfo).port);
    const data = mkdtempSync(join(tmpdir(), "cli-"));
    const { code, stderr } = await finished(
      cliProcess("start", "--manifests", "manifests.ts", "--port", port, "--data", data),
    );
    blocker.close();
    expect(code).toBe(1);
    expect(stderr).toContain(`port ${port} is already in use`);
    expect(existsSync(join(data, "dynamodb"))).toBe(false);
  });

  it("refuses to start without manifests, with a usage message", async () => {
    const { code, stderr } = await finished(cliProcess("start"));
    expect(code).toBe(1);
    expect(stderr).toContain("--manifests is required");
  });
});
