import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { open, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mintToken } from "../src/apigateway/token.ts";
import { LOCAL_ACCOUNT } from "../src/names.ts";
import { startLocalCloud } from "../src/platform.ts";
import { manifests } from "../test/fixtures/manifests.ts";
import { benchMatching } from "./matching.ts";

/**
 * `npm run bench:local`: the local cloud's figures on this machine. Bounded: about half a minute.
 *  - start-up time of the whole local cloud (DynamoDB Local, workers, edge);
 *  - S3 PUT/GET throughput through the SDK, as a ratio to plain file writes/reads of the same bytes;
 *  - PutEvents-to-handler latency (p50/p99) and events/s;
 *  - rule matching cost at 10 and 500 rules.
 */
const OBJECT_BYTES = 1024 * 1024;
const OBJECTS = 64;
const CONCURRENCY = 8;
const EVENTS = 400;
const LATENCY_SAMPLES = 100;
const DOOR_REQUESTS = 2000;
const DOOR_CONNECTIONS = 32;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function inParallel<T>(count: number, concurrency: number, task: (i: number) => Promise<T>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function timed(work: () => Promise<void>) {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

const root = fileURLToPath(new URL("../test/fixtures/", import.meta.url));
const startedAt = performance.now();
const cloud = await startLocalCloud({
  root,
  manifests,
  edgePort: 0,
  apiPort: 0,
  serverApiPort: 0,
  issuerPort: 0,
});
const startup = (performance.now() - startedAt) / 1000;
const config = {
  endpoint: cloud.endpoint,
  region: LOCAL_ACCOUNT.region,
  credentials: {
    accessKeyId: LOCAL_ACCOUNT.accessKeyId,
    secretAccessKey: LOCAL_ACCOUNT.secretAccessKey,
  },
};

try {
  // S3 against plain files, same bytes, same concurrency.
  const s3 = new S3Client({
    ...config,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const body = randomBytes(OBJECT_BYTES);
  const plainDir = mkdtempSync(join(tmpdir(), "bench-plain-"));
  const mb = (OBJECTS * OBJECT_BYTES) / 1024 / 1024;
  const plainWrite = await timed(() =>
    inParallel(OBJECTS, CONCURRENCY, (i) => writeFile(join(plainDir, `o${i}`), body)),
  );
  // The store makes every object durable before it answers, as S3 does: the fair floor includes fsync.
  const durableWrite = await timed(() =>
    inParallel(OBJECTS, CONCURRENCY, async (i) => {
      const file = await open(join(plainDir, `d${i}`), "w");
      await file.writeFile(body);
      await file.sync();
      await file.close();
    }),
  );
  const plainRead = await timed(() =>
    inParallel(OBJECTS, CONCURRENCY, (i) => readFile(join(plainDir, `o${i}`)).then(() => {})),
  );
  const s3Put = await timed(() =>
    inParallel(OBJECTS, CONCURRENCY, (i) =>
      s3
        .send(new PutObjectCommand({ Bucket: cloud.names.bucket, Key: `bench/o${i}`, Body: body }))
        .then(() => {}),
    ),
  );
  const s3Get = await timed(() =>
    inParallel(OBJECTS, CONCURRENCY, async (i) => {
      const object = await s3.send(
        new GetObjectCommand({ Bucket: cloud.names.bucket, Key: `bench/o${i}` }),
      );
      await object.Body?.transformToByteArray();
    }),
  );
  rmSync(plainDir, { recursive: true, force: true });

  // PutEvents to handler: each event carries its sequence number; the handler notes its arrival.
  const events = new EventBridgeClient(config);
  const send = (run: string, seqs: number[], sentAt: number[]) => {
    const entries = seqs.map((seq) => {
      sentAt[seq] = Date.now();
      return {
        EventBusName: cloud.names.bus,
        Source: "bench.ping",
        DetailType: "ping",
        Detail: JSON.stringify({ run, seq }),
      };
    });
    return events.send(new PutEventsCommand({ Entries: entries }));
  };
  const arrivals = (run: string, sentAt: number[]) => {
    const file = join(tmpdir(), `bench-stamps-${run}.log`);
    const latencies = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((line) => {
        const [seq = 0, at = 0] = line.split(" ").map(Number);
        return at - (sentAt[seq] ?? 0);
      })
      .sort((a, b) => a - b);
    rmSync(file, { force: true });
    return latencies;
  };
  // A burst first, so every execution environment is warm, as in a running platform.
  const burst = async (run: string, sentAt: number[]) =>
    timed(async () => {
      await inParallel(EVENTS / 10, 4, (batch) =>
        send(
          run,
          Array.from({ length: 10 }, (_, j) => batch * 10 + j),
          sentAt,
        ).then(() => {}),
      );
      await cloud.settle();
    });
  const warmRun = randomUUID();
  await burst(warmRun, []);
  rmSync(join(tmpdir(), `bench-stamps-${warmRun}.log`), { force: true });
  // Latency: one event at a time, each delivered before the next is sent.
  const single = randomUUID();
  const singleSent: number[] = [];
  for (let seq = 0; seq < LATENCY_SAMPLES; seq++) {
    await send(single, [seq], singleSent);
    await cloud.settle();
  }
  const latencies = arrivals(single, singleSent);
  // Throughput: a burst of batches of 10, four requests in flight.
  const burstRun = randomUUID();
  const burstSent: number[] = [];
  const delivery = await burst(burstRun, burstSent);
  const burstLatencies = arrivals(burstRun, burstSent);
  if (burstLatencies.length !== EVENTS)
    throw new Error(`expected ${EVENTS} deliveries, got ${burstLatencies.length}`);

  // The door: a trivial JWT-authorized route, against the same handler called in-process.
  const token = await mintToken({
    dataDir: cloud.credentialsDir,
    subject: "bench",
    scopes: ["tools:read"],
  });
  const call = (i: number) =>
    fetch(`${cloud.apiUrl}/echo/${i}`, { headers: { authorization: `Bearer ${token}` } });
  // Warm every execution environment first, as a running platform would have them.
  await inParallel(200, DOOR_CONNECTIONS, (i) =>
    call(i)
      .then((r) => r.arrayBuffer())
      .then(() => {}),
  );
  const doorLatencies: number[] = [];
  const door = await timed(() =>
    inParallel(DOOR_REQUESTS, DOOR_CONNECTIONS, async (i) => {
      const started = performance.now();
      const res = await fetch(`${cloud.apiUrl}/echo/${i}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`the door answered ${res.status}`);
      doorLatencies.push(performance.now() - started);
    }),
  );
  const { http } = (await import("../test/fixtures/services/tools/src/handlers/tools.ts")) as {
    http: (event: unknown, context: unknown) => Promise<unknown>;
  };
  const context = {
    functionName: "ToolsHttp",
    awsRequestId: "bench",
    getRemainingTimeInMillis: () => 30_000,
  };
  const directLatencies: number[] = [];
  const direct = await timed(() =>
    inParallel(DOOR_REQUESTS, DOOR_CONNECTIONS, async (i) => {
      const started = performance.now();
      JSON.stringify(
        await http(
          { version: "2.0", rawPath: `/echo/${i}`, pathParameters: { id: String(i) } },
          context,
        ),
      );
      directLatencies.push(performance.now() - started);
    }),
  );
  doorLatencies.sort((a, b) => a - b);
  directLatencies.sort((a, b) => a - b);

  const matching = await benchMatching();

  const rate = (seconds: number) => `${(mb / seconds).toFixed(0)} MB/s`;
  const rows = [
    ["start-up", `${startup.toFixed(1)} s`],
    [
      `S3 PUT ${OBJECTS} x 1 MiB (${CONCURRENCY} at once)`,
      `${rate(s3Put)} = ${(plainWrite / s3Put).toFixed(2)} x plain writes (${rate(plainWrite)}), ${(durableWrite / s3Put).toFixed(2)} x fsynced writes (${rate(durableWrite)})`,
    ],
    [
      `S3 GET ${OBJECTS} x 1 MiB (${CONCURRENCY} at once)`,
      `${rate(s3Get)} = ${(plainRead / s3Get).toFixed(2)} x plain reads (${rate(plainRead)})`,
    ],
    [
      `PutEvents -> handler, one at a time (${LATENCY_SAMPLES})`,
      `p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`,
    ],
    [
      `PutEvents -> handler, burst of ${EVENTS}`,
      `${(EVENTS / delivery).toFixed(0)} events/s (while queued: p50 ${percentile(burstLatencies, 50)} ms, p99 ${percentile(burstLatencies, 99)} ms)`,
    ],
    [
      `HTTP API, JWT route, ${DOOR_CONNECTIONS} connections`,
      `${(DOOR_REQUESTS / door).toFixed(0)} req/s, p50 ${percentile(doorLatencies, 50).toFixed(1)} ms, p99 ${percentile(doorLatencies, 99).toFixed(1)} ms`,
    ],
    [
      "same handler, called in-process",
      `${(DOOR_REQUESTS / direct).toFixed(0)} calls/s, p50 ${percentile(directLatencies, 50).toFixed(2)} ms, p99 ${percentile(directLatencies, 99).toFixed(2)} ms; the door runs at ${(direct / door).toFixed(4)} x its rate`,
    ],
    ...matching.map((m) => [
      `matching, ${m.rules} rules`,
      `${(m.nsPerEvent / 1000).toFixed(2)} µs per event`,
    ]),
  ];
  const width = Math.max(...rows.map(([label]) => (label ?? "").length));
  for (const [label, value] of rows) console.log(`${(label ?? "").padEnd(width)}  ${value}`);
} finally {
  await cloud.stop();
}
