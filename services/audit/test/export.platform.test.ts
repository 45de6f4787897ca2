import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { type Actor, FileRequested, InvocationCompleted } from "@platform/events";
import { LOCAL_ACCOUNT, REPOSITORY_ROOT, type TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportHours, hoursBetween } from "../src/export.ts";
import type { Ports } from "../src/ports.ts";
import { platformPorts, publisherFor, startPlatform } from "./support/platform.ts";

let cloud: TestCloud;
let ports: Ports;

beforeAll(async () => {
  cloud = await startPlatform();
  ports = platformPorts(cloud);
}, 120_000);
afterAll(async () => {
  await cloud?.stop();
});

async function read(key: string): Promise<string> {
  const { Body } = await cloud.s3.send(
    new GetObjectCommand({ Bucket: cloud.names.bucket, Key: key }),
  );
  return (await Body?.transformToString()) ?? "";
}

async function exportedKeys(): Promise<string[]> {
  const listed = await cloud.s3.send(
    new ListObjectsV2Command({ Bucket: cloud.names.bucket, Prefix: "audit/" }),
  );
  return (listed.Contents ?? []).map((o) => o.Key ?? "");
}

/** Every exported line, by event id, across the export's objects. */
async function exportedLines() {
  const lines: { key: string; line: Record<string, unknown> }[] = [];
  for (const key of await exportedKeys())
    for (const text of (await read(key)).split("\n").filter(Boolean))
      lines.push({ key, line: JSON.parse(text) });
  return lines;
}

describe("the export on the local platform", () => {
  it("writes each hour's entries as JSON Lines under dt=, the same lines on every run", async () => {
    const fileId = crypto.randomUUID();
    const user: Actor = { type: "user", id: `user-${fileId}` };
    const eventId = crypto.randomUUID();
    await publisherFor(cloud).publish(
      FileRequested,
      {
        fileId,
        ownerId: user.id,
        purpose: "profile",
        entityId: user.id,
        bucket: cloud.names.bucket,
        key: `tmp/profile/${user.id}/${fileId}_1.jpg`,
        filename: "me.jpg",
        contentType: "image/jpeg",
        size: 4,
        method: "PUT",
        expiresAt: new Date(Date.now() + 900_000).toISOString(),
      },
      { actor: user, correlationId: `req-${fileId}`, eventId },
    );
    await cloud.settle();

    const hours = hoursBetween(new Date(Date.now() - 3_600_000), new Date(Date.now() + 1));
    const written = await exportHours(ports, hours);
    await cloud.settle();
    const ours = (await exportedLines()).filter(({ line }) => line.event_id === eventId);
    expect(ours).toHaveLength(1);
    const { key, line } = ours[0] ?? { key: "", line: {} };
    const at = String(line.at);
    expect(key).toBe(`audit/dt=${at.slice(0, 10)}/${at.slice(11, 13)}.jsonl`);
    expect(written.map((w) => w.key)).toContain(key);
    expect(line).toMatchObject({
      type: "upload.file.requested",
      action: "requested",
      actor_type: "user",
      actor_id: user.id,
      file_id: fileId,
      caller: null,
    });
    expect(JSON.parse(String(line.detail))).toMatchObject({ fileId, filename: "me.jpg" });

    const before = await read(key);
    await exportHours(ports, hours);
    expect(await read(key)).toBe(before);

    // The schedule's own run, through the real handler, writes the same object.
    await cloud.runSchedule("AuditExportLedger");
    await cloud.settle();
    expect(await read(key)).toContain(eventId);
    expect(await cloud.deadLetters.list("AuditExportFailures")).toEqual([]);

    // The export's objects are not audited: no entry names them, and none failed.
    for (const hour of hours)
      for (const entry of await ports.ledger.hour(hour))
        expect(entry.objectKey ?? "").not.toMatch(/^audit\//);
    expect(await cloud.deadLetters.list("AuditRecordFailures")).toEqual([]);
  });
});

/** Runs `npm run impact`'s command against the local platform `dataDir` describes. */
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

async function endpointsFile(endpoint: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "audit-impact-"));
  const endpoints = {
    endpoint,
    services: { dynamodb: cloud.dynamodbEndpoint },
    region: LOCAL_ACCOUNT.region,
    credentials: {
      accessKeyId: LOCAL_ACCOUNT.accessKeyId,
      secretAccessKey: LOCAL_ACCOUNT.secretAccessKey,
    },
    resources: cloud.names.links,
  };
  await writeFile(join(dir, "endpoints.json"), JSON.stringify(endpoints));
  return dir;
}

describe("npm run impact", () => {
  it("names every caller of an operation, and of a service's operations", async () => {
    const call = (caller: string, outcome: "ok" | "timeout" | "denied", durationMs: number) => ({
      contract: InvocationCompleted,
      data: {
        caller,
        operation: "imaging.describe",
        target: "ImagingDescribe",
        mode: "sync" as const,
        outcome,
        durationMs,
        requestBytes: 50,
        responseBytes: 400,
        ...(outcome === "ok" ? {} : { errorCode: outcome }),
      },
      context: { actor: { type: "service" as const, id: caller }, correlationId: "req-impact" },
    });
    await publisherFor(cloud).publishAll([
      call("upload", "ok", 10),
      call("upload", "ok", 30),
      call("upload", "timeout", 10_000),
      call("notify", "denied", 1),
    ]);
    await cloud.settle();
    const data = await endpointsFile(cloud.endpoint);

    const operation = await impact(["imaging.describe", "--data", data]);
    expect(operation.stderr).toBe("");
    expect(operation.code).toBe(0);
    const rows = operation.stdout.split("\n");
    expect(rows[0]).toBe("Calls to imaging.describe, by caller:");
    expect(rows.find((r) => r.includes(" upload "))).toMatch(
      /upload\s+3\s+33\.3% \(1\)\s+33\.3% \(1\)\s+30\s+10000/,
    );
    expect(rows.find((r) => r.includes(" notify "))).toMatch(
      /notify\s+1\s+100\.0% \(1\)\s+0\.0% \(0\)/,
    );

    const imaging = await impact(["imaging", "--data", data]);
    expect(imaging.code).toBe(0);
    expect(imaging.stdout).toContain("Calls to imaging's operations, by caller:");
    expect(imaging.stdout).toContain("Calls imaging makes:\n  none recorded");
  });

  it("says so, with exit code 1, when nothing matched or no platform runs", async () => {
    const data = await endpointsFile(cloud.endpoint);
    expect(await impact(["billing.charge", "--data", data])).toMatchObject({
      code: 1,
      stderr: "no calls through the invoke-proxy recorded for billing.charge\n",
    });
    const empty = await mkdtemp(join(tmpdir(), "audit-impact-"));
    const missing = await impact(["imaging.describe", "--data", empty]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("the local platform is not running (no ");
    const stopped = await impact(["imaging", "--data", await endpointsFile("http://127.0.0.1:9")]);
    expect(stopped).toMatchObject({
      code: 1,
      stderr:
        "the local platform is not running (nothing answers at http://127.0.0.1:9): start it with npm start\n",
    });
  });
});
