import { pathToFileURL } from "node:url";
import { RuleIndex } from "../src/events/pattern/index.ts";

/**
 * How event matching scales with the number of rules on a bus. Rules look like the platform's:
 * most pin a source (`platform.svcN`) and a detail-type (`svcN.thing.happened`), some also filter
 * on the detail, and a few broad ones (audit, catch-alls) match a source prefix, a source alone
 * or a detail-type suffix, so they cannot be indexed on both. The index should keep 500 rules within a small factor of 10.
 */
const SIZES = [10, 500];
const ROUNDS = 5;
const ITERATIONS_PER_ROUND = 2_000;
const WARM_UP_ITERATIONS = 2_000;
const DETAIL_TYPES = ["thing.happened", "thing.changed", "thing.deleted"];

export interface MatchingResult {
  rules: number;
  nsPerEvent: number;
}

/**
 * ns per matched event for each index size. Sizes take turns over several rounds and the best
 * round counts, so a busy machine disturbs the comparison less.
 */
export async function benchMatching(): Promise<MatchingResult[]> {
  const setups = SIZES.map((rules) => ({
    rules,
    index: buildIndex(rules),
    events: sampleEvents(serviceCount(rules)),
    best: Number.POSITIVE_INFINITY,
  }));
  for (const { index, events } of setups) matchAll(index, events, WARM_UP_ITERATIONS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const setup of setups) {
      const start = process.hrtime.bigint();
      const matched = matchAll(setup.index, setup.events, ITERATIONS_PER_ROUND);
      const elapsed = Number(process.hrtime.bigint() - start);
      // Checking the count keeps the work observable, so it cannot be optimised away.
      if (matched === 0) throw new Error("benchmark events matched no rule");
      setup.best = Math.min(setup.best, elapsed / (ITERATIONS_PER_ROUND * setup.events.length));
    }
  }
  return setups.map(({ rules, best }) => ({ rules, nsPerEvent: Math.round(best) }));
}

// Roughly five rules per service, as when several consumers subscribe to one producer.
const serviceCount = (rules: number) => Math.max(1, Math.floor(rules / 5));

function buildIndex(size: number): RuleIndex<number> {
  const index = new RuleIndex<number>();
  // Broad rules: a source prefix, a source alone, a detail-type suffix.
  const broad: object[] = [
    { source: [{ prefix: "platform." }], detail: { metadata: { actor: [{ prefix: "admin:" }] } } },
    { source: ["aws.s3"], detail: { object: { key: [{ wildcard: "uploads/*/original.*" }] } } },
    {
      "detail-type": [{ suffix: ".deleted" }],
      detail: { data: { size: [{ numeric: [">", 1e6] }] } },
    },
  ];
  for (const [i, pattern] of broad.entries()) index.add(`broad-${i}`, pattern, -1 - i);
  const services = serviceCount(size);
  for (let i = 0; i < size - broad.length; i++) {
    const service = i % services;
    const detailType = `svc${service}.${DETAIL_TYPES[Math.floor(i / services) % DETAIL_TYPES.length]}`;
    const pattern: Record<string, unknown> = {
      source: [`platform.svc${service}`],
      "detail-type": [detailType],
    };
    if (i % 4 === 1) pattern.detail = { data: { size: [{ numeric: [">=", 0, "<", 5000] }] } };
    if (i % 4 === 2)
      pattern.detail = {
        data: { key: [{ prefix: "uploads/" }], format: [{ "anything-but": ["gif"] }] },
      };
    index.add(`rule-${i}`, pattern, i);
  }
  return index;
}

function sampleEvents(services: number) {
  const event = (source: string, detailType: string, data: object) => ({
    version: "0",
    id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": detailType,
    source,
    account: "111122223333",
    time: "2024-01-01T00:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail: { metadata: { eventId: "e1", version: 1, actor: "user:42" }, data },
  });
  const events: object[] = [];
  for (let i = 0; i < 6; i++) {
    const service = (i * 7919) % services;
    const detailType = DETAIL_TYPES[i % DETAIL_TYPES.length];
    events.push(
      event(`platform.svc${service}`, `svc${service}.${detailType}`, {
        size: 1000 * i,
        key: `uploads/u${i}/a.png`,
        format: "png",
      }),
    );
  }
  events.push(event("aws.s3", "Object Created", { object: { key: "uploads/u1/original.png" } }));
  events.push(event("platform.unknown", "unknown.thing.happened", {}));
  return events;
}

function matchAll(index: RuleIndex<number>, events: readonly object[], iterations: number): number {
  let matched = 0;
  for (let i = 0; i < iterations; i++) {
    for (const event of events) matched += index.match(event).length;
  }
  return matched;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await benchMatching();
  console.log("rules  ns/event");
  for (const { rules, nsPerEvent } of results)
    console.log(`${String(rules).padStart(5)}  ${String(nsPerEvent).padStart(8)}`);
  const [small, large] = results;
  if (small && large)
    console.log(`500 vs 10 rules: ${(large.nsPerEvent / small.nsPerEvent).toFixed(2)}x`);
}
