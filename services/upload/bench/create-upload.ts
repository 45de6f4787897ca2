import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { startTestCloud } from "@platform/local-cloud";
import upload from "../service.ts";
import { newFile } from "../src/api/uploads.ts";
import type { Storage } from "../src/ports.ts";

/**
 * `npm run bench -w services/upload`: POST /uploads through the local platform (JWT authorizer,
 * Lambda worker, row + outbox, PutEvents, presigned POST), against a floor measured in the same
 * run: the same row written with a bare PutCommand and the same POST policy signed in-process.
 * Bounded: well under a minute.
 */
const WARM_UP = 200;
const REQUESTS = 2000;
const CLIENTS = 32;
const SIZE = 1024;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Runs `task` `count` times on `CLIENTS` clients: throughput and each call's latency. */
async function measure(count: number, task: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  const started = performance.now();
  await inParallel(count, CLIENTS, async (i) => {
    const begun = performance.now();
    await task(i);
    latencies.push(performance.now() - begun);
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: count,
    perSecond: count / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const startedAt = performance.now();
const cloud = await startTestCloud({ manifests: [upload] });
const startup = (performance.now() - startedAt) / 1000;

try {
  const token = await cloud.token("bench", ["files:write"]);
  const body = JSON.stringify({
    filename: "photo.jpg",
    contentType: "image/jpeg",
    size: SIZE,
    purpose: "profile",
  });
  const createUpload = async () => {
    const response = await fetch(`${cloud.apiUrl}/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
    });
    const text = await response.text();
    if (response.status !== 201)
      throw new Error(`POST /uploads answered ${response.status}: ${text}`);
  };

  // The floor: the row the service writes, put with the SDK, and the same policy signed.
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(cloud.clientConfig), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const s3 = new S3Client({ ...cloud.clientConfig, forcePathStyle: true });
  const table = cloud.names.tables.Files;
  if (!table) throw new Error("no Files table on this platform");
  const bucketOnly = { bucket: cloud.names.bucket } as Storage;
  const principal = { ownerId: "bench", actor: { type: "user" as const, id: "bench" } };
  const floor = async () => {
    const file = newFile(
      // newFile reads only the bucket's name from storage.
      { now: () => new Date(), newId: () => crypto.randomUUID(), storage: bucketOnly },
      {
        declared: {
          filename: "photo.jpg",
          contentType: "image/jpeg",
          size: SIZE,
          purpose: "profile",
        },
        entityId: "bench",
        principal,
        method: "POST",
        expiresIn: 300,
        correlationId: "bench",
      },
    );
    await dynamo.send(
      new PutCommand({
        TableName: table,
        Item: file,
        ConditionExpression: "attribute_not_exists(fileId)",
      }),
    );
    await createPresignedPost(s3, {
      Bucket: cloud.names.bucket,
      Key: file.key,
      Fields: { "Content-Type": file.contentType },
      Conditions: [
        ["eq", "$Content-Type", file.contentType],
        ["content-length-range", SIZE, SIZE],
      ],
      Expires: 300,
    });
  };

  // Warm both first: every execution environment started, every connection open.
  await measure(WARM_UP, createUpload);
  await measure(WARM_UP, floor);
  const api = await measure(REQUESTS, createUpload);
  const bare = await measure(REQUESTS, floor);
  await cloud.settle();

  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const rows = [
    ["", "requests", "req/s", "p50", "p99"],
    ["POST /uploads", String(api.requests), api.perSecond.toFixed(0), ms(api.p50), ms(api.p99)],
    [
      "PutCommand + presigned POST",
      String(bare.requests),
      bare.perSecond.toFixed(0),
      ms(bare.p50),
      ms(bare.p99),
    ],
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  console.log(
    `start-up ${startup.toFixed(1)} s; ${CLIENTS} clients; ${WARM_UP} warm-up calls each`,
  );
  for (const row of rows)
    console.log(
      row
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join("  "),
    );
  console.log(
    `POST /uploads runs at ${(api.perSecond / bare.perSecond).toFixed(2)} x the floor's throughput`,
  );
} finally {
  await cloud.stop();
}
