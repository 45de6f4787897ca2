import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInvoker, type Invoker } from "@platform/invoke";
import {
  LOCAL_ACCOUNT,
  REPOSITORY_ROOT,
  startTestCloud,
  type TestCloud,
} from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifests } from "../stacks/manifests.ts";
import { uploadPhoto } from "./upload-photo.ts";

// The whole platform, as `npm start` runs it: every cross-service call goes through the
// invoke-proxy, and audit keeps the ledger of every event and every call.

let cloud: TestCloud;
let token: string;
let fileId: string;
const invokers: Invoker[] = [];

/** Calls operations as `caller`, the way that service's functions do. */
function as(caller: string): Invoker {
  const invoker = createInvoker({
    lambda: cloud.clientConfig,
    proxyName: cloud.names.proxy,
    caller,
  });
  invokers.push(invoker);
  return invoker;
}

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${cloud.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

/** The proxy's log lines (one JSON object per call), as CloudWatch Logs would keep them. */
function proxyCalls(): Record<string, unknown>[] {
  return cloud
    .functionLogs(cloud.names.proxy)
    .filter((line) => line.stream === "stdout" && line.message.startsWith("{"))
    .map((line) => JSON.parse(line.message) as Record<string, unknown>)
    .filter((record) => "operation" in record && "outcome" in record);
}

/** The calls a service made, as the ledger keeps them, read through audit.history. */
async function auditedCallsBy(service: string) {
  const answer = await as("upload").invoke("audit.history", {
    actorId: service,
    actorType: "service",
    limit: 100,
  });
  if (!answer.ok) throw answer.error;
  return answer.output.items
    .filter((item) => item.action === "call")
    .map((item) => item.detail as Record<string, unknown>);
}

beforeAll(async () => {
  cloud = await startTestCloud({ manifests });
  token = await cloud.token("erin", ["files:write", "files:read"]);
  ({ fileId } = await uploadPhoto(cloud, token, {
    width: 1200,
    height: 900,
    purpose: "feed",
    filename: "harbour.jpg",
  }));
}, 120_000);

afterAll(async () => {
  for (const invoker of invokers) invoker.close();
  await cloud?.stop();
});

describe("a file's details and history, through the invoke-proxy", () => {
  it("serves ?detail=true from imaging.describe, called by upload", async () => {
    const file = await call("GET", `/files/${fileId}?detail=true`);
    expect(file.status).toBe(200);
    expect(file.body).toMatchObject({
      status: "ready",
      detail: { format: "jpeg", width: 1200, height: 900, hasAlpha: false, pages: 1 },
    });
    expect(proxyCalls()).toContainEqual(
      expect.objectContaining({
        caller: "upload",
        operation: "imaging.describe",
        target: "ImagingDescribe",
        mode: "sync",
        outcome: "ok",
      }),
    );
  });

  it("serves the upload's whole history in order, each step with its actor", async () => {
    const history = await call("GET", `/files/${fileId}/history`);
    expect(history.status).toBe(200);
    const steps = history.body.items.map((item: { action: string }) => item.action);
    // The request, the bytes it let in, and the upload service's check of them come first, in
    // that order; imaging's work follows (its progress may interleave with "uploaded").
    expect(steps.slice(0, 3)).toEqual(["requested", "object.created", "uploaded"]);
    expect(steps.filter((step: string) => step === "requested" || step === "uploaded")).toEqual([
      "requested",
      "uploaded",
    ]);
    expect(steps.indexOf("variants.created")).toBeGreaterThan(2);
    expect(steps.indexOf("ready")).toBeGreaterThan(steps.indexOf("variants.created"));

    const byAction = (action: string) =>
      history.body.items.find((item: { action: string }) => item.action === action);
    expect(byAction("requested").actor).toEqual({ type: "user", id: "erin" });
    // The bytes came from erin's signed request: S3's event is attributed to its requester.
    expect(byAction("object.created").actor).toEqual({ type: "user", id: "erin" });
    expect(byAction("variants.created").actor).toMatchObject({ type: "service", id: "imaging" });
  });

  it("refuses another user's history with 404, exactly like an unknown file", async () => {
    const other = await cloud.token("mallory", ["files:read"]);
    const response = await fetch(`${cloud.apiUrl}/files/${fileId}/history`, {
      headers: { authorization: `Bearer ${other}` },
    });
    expect(response.status).toBe(404);
  });
});

describe("calls between services", () => {
  it("refuses a caller the allow-list does not name, and logs and audits the refusal", async () => {
    const answer = await as("notify").invoke("imaging.describe", { fileId });
    expect(answer.ok).toBe(false);
    expect(answer.ok ? undefined : answer.error.code).toBe("denied");
    await cloud.settle();

    expect(proxyCalls()).toContainEqual(
      expect.objectContaining({
        caller: "notify",
        outcome: "denied",
        errorCode: expect.any(String),
      }),
    );
    expect(await auditedCallsBy("notify")).toContainEqual(
      expect.objectContaining({ operation: "imaging.describe", outcome: "denied" }),
    );
  });

  it("audits a sync and an async call that succeed", async () => {
    const describes = async (mode: string) =>
      (await auditedCallsBy("upload")).filter(
        (c) => c.operation === "imaging.describe" && c.mode === mode && c.outcome === "ok",
      ).length;
    const before = { sync: await describes("sync"), async: await describes("async") };

    const sync = await as("upload").invoke("imaging.describe", { fileId });
    expect(sync.ok && sync.output.image).toMatchObject({ width: 1200, height: 900 });
    const async = await as("upload").invoke("imaging.describe", { fileId }, { mode: "async" });
    expect(async).toEqual({ ok: true, output: undefined });
    await cloud.settle();

    expect(await describes("sync")).toBe(before.sync + 1);
    expect(await describes("async")).toBe(before.async + 1);
  });

  it("answers invalid_input for a malformed input, and audits it", async () => {
    const answer = await as("upload").invoke("imaging.describe", { fileId: "not-a-uuid" });
    expect(answer.ok ? undefined : answer.error).toMatchObject({
      code: "invalid_input",
      issues: [expect.objectContaining({ path: "fileId" })],
    });
    await cloud.settle();
    expect(await auditedCallsBy("upload")).toContainEqual(
      expect.objectContaining({ outcome: "invalid_input", operation: "imaging.describe" }),
    );
  });

  it("names the real callers in the impact report", async () => {
    await cloud.settle();
    const data = await mkdtemp(join(tmpdir(), "impact-"));
    await writeFile(
      join(data, "endpoints.json"),
      JSON.stringify({
        endpoint: cloud.endpoint,
        services: { dynamodb: cloud.dynamodbEndpoint },
        region: LOCAL_ACCOUNT.region,
        credentials: {
          accessKeyId: LOCAL_ACCOUNT.accessKeyId,
          secretAccessKey: LOCAL_ACCOUNT.secretAccessKey,
        },
        resources: cloud.names.links,
      }),
    );
    const report = await impact(["imaging.describe", "--data", data]);
    expect(report.stderr).toBe("");
    expect(report.code).toBe(0);
    const rows = report.stdout.split("\n");
    expect(rows[0]).toBe("Calls to imaging.describe, by caller:");
    // Columns: operation, caller, calls, error rate, timeout rate, p50, p99, first and last seen.
    expect(rows.find((row) => /\supload\s/.test(row))).toMatch(
      /^imaging\.describe\s+upload\s+\d+\s/,
    );
    expect(rows.find((row) => /\snotify\s/.test(row))).toMatch(/notify\s+1\s+100\.0% \(1\)/);

    const audit = await impact(["audit", "--data", data]);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(
      /Calls to audit's operations, by caller:\n.*\naudit\.history\s+upload\s+\d+/,
    );
  });
});

/** Runs `npm run impact`'s command against the platform that `--data` describes. */
function impact(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "services/audit/cli/impact.ts", ...args],
      { cwd: REPOSITORY_ROOT },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}
