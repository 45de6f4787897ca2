import { createInvoker } from "@platform/invoke";
import { startTestCloud } from "@platform/local-cloud";
import { functionId } from "@platform/manifest";
import { manifests } from "../test/fixtures/manifests.ts";
import { directInvoker } from "./direct.ts";

/**
 * `npm run bench -w services/invoke-proxy`: what the proxy adds to a sync call on the local
 * platform. The same target (the audit.history fixture, which answers at once) is called through
 * the proxy with the typed client, and directly through the Lambda API; one call at a time for
 * latency (the two paths interleaved, so both see the same machine), then CLIENTS at once for
 * throughput. Bounded: well under a minute.
 */
const WARM_UP = 100;
const SAMPLES = 500;
const BURST = 1500;
const CLIENTS = 8;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function timed(call: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

async function throughput(call: () => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next++ < BURST) await call();
    }),
  );
  return BURST / ((performance.now() - started) / 1000);
}

const startedAt = performance.now();
// The proxy logs every call; thousands of lines would drown the table.
const cloud = await startTestCloud({ manifests, concurrency: CLIENTS, functionOutput: () => {} });
const startup = (performance.now() - startedAt) / 1000;
const input = { actorId: "bench" };
const proxied = createInvoker({
  lambda: cloud.clientConfig,
  proxyName: cloud.names.proxy,
  caller: "upload",
});
const direct = directInvoker(
  cloud.clientConfig,
  cloud.names.functionName(functionId("audit", "history")),
  { ...input, limit: 50 },
);
const viaProxy = async () => {
  const result = await proxied.invoke("audit.history", input);
  if (!result.ok) throw result.error;
};

try {
  for (let i = 0; i < WARM_UP; i++) {
    await direct.invoke();
    await viaProxy();
  }
  const latencies = { direct: [] as number[], proxy: [] as number[] };
  for (let i = 0; i < SAMPLES; i++) {
    latencies.direct.push(await timed(direct.invoke));
    latencies.proxy.push(await timed(viaProxy));
  }
  const perSecond = { direct: await throughput(direct.invoke), proxy: await throughput(viaProxy) };
  await cloud.settle();

  const p = (path: "direct" | "proxy", q: number) =>
    percentile(
      [...latencies[path]].sort((a, b) => a - b),
      q,
    );
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const rows = [
    ["sync call to audit.history", "p50", "p99", `calls/s (${CLIENTS} clients)`],
    [
      "direct (Lambda Invoke)",
      ms(p("direct", 50)),
      ms(p("direct", 99)),
      perSecond.direct.toFixed(0),
    ],
    [
      "through the invoke-proxy",
      ms(p("proxy", 50)),
      ms(p("proxy", 99)),
      perSecond.proxy.toFixed(0),
    ],
    [
      "added by the proxy",
      ms(p("proxy", 50) - p("direct", 50)),
      ms(p("proxy", 99) - p("direct", 99)),
      `${(perSecond.proxy / perSecond.direct).toFixed(2)} x`,
    ],
  ];
  const widths =
    rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length))) ?? [];
  console.log(
    `start-up ${startup.toFixed(1)} s; ${WARM_UP} warm-up calls per path, ${SAMPLES} timed one at a time, ${BURST} for throughput`,
  );
  for (const row of rows)
    console.log(
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join("  "),
    );
} finally {
  proxied.close();
  direct.close();
  await cloud.stop();
}
