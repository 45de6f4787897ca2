import { buildWiring, type WiredSchedule } from "@platform/manifest";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EventBridge } from "../src/events/bus.ts";
import { Scheduler } from "../src/events/scheduler.ts";
import { manifests } from "./fixtures/manifests.ts";

const HOUR = 3_600_000;
const wiring = buildWiring(manifests);

/** A scheduler over the fixtures' schedules, whose invocations are only recorded. */
function scheduler(schedules = wiring.schedules) {
  const invoked: { name: string; event: Record<string, unknown> }[] = [];
  const lines: string[] = [];
  const created = new Scheduler({
    schedules,
    functionName: (id) => id,
    events: new EventBridge({
      region: "us-east-1",
      accountId: "000000000000",
      lambda: undefined as never,
      deadLetters: undefined as never,
    }),
    lambda: { invokeAsync: (name, payload) => invoked.push({ name, event: JSON.parse(payload) }) },
    log: (line) => lines.push(line),
  });
  return { created, invoked, lines };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Scheduler", () => {
  it("fires a rate() schedule every period once started, and never after stop()", () => {
    const { created, invoked } = scheduler();
    vi.advanceTimersByTime(2 * HOUR);
    expect(invoked).toEqual([]);

    created.start();
    vi.advanceTimersByTime(2 * HOUR);
    expect(invoked.map((i) => i.name)).toEqual(["RecorderTick", "RecorderTick"]);
    expect(invoked[0]?.event.resources).toEqual([
      "arn:aws:events:us-east-1:000000000000:rule/RecorderHourly",
    ]);

    created.stop();
    vi.advanceTimersByTime(2 * HOUR);
    expect(invoked).toHaveLength(2);
  });

  it("leaves cron() schedules, and rates too long for a timer, to be run on request", () => {
    const monthly: WiredSchedule = {
      id: "Monthly",
      service: "recorder",
      name: "monthly",
      description: "every month",
      schedule: "rate(30 days)",
      target: "RecorderTick",
    };
    const { created, invoked, lines } = scheduler([...wiring.schedules, monthly]);
    created.start();
    vi.advanceTimersByTime(31 * 24 * HOUR);
    expect(new Set(invoked.map((i) => String(i.event.resources)))).toEqual(
      new Set(["arn:aws:events:us-east-1:000000000000:rule/RecorderHourly"]),
    );
    expect(lines.filter((l) => l.includes("only when triggered"))).toEqual([
      "⏱ RecorderNightly → RecorderTick, cron(0 3 * * ? *): runs here only when triggered (POST /_local/schedules/RecorderNightly/run)",
      "⏱ ToolsBroken → ToolsFail, cron(0 4 * * ? *): runs here only when triggered (POST /_local/schedules/ToolsBroken/run)",
      "⏱ Monthly → RecorderTick, rate(30 days): runs here only when triggered (POST /_local/schedules/Monthly/run)",
    ]);
    created.stop();
  });

  it("runs any schedule once on request, and refuses an unknown one", () => {
    const { created, invoked } = scheduler();
    expect(created.run("ToolsBroken")).toBe(true);
    expect(created.run("Nope")).toBe(false);
    expect(invoked.map((i) => [i.name, i.event["detail-type"]])).toEqual([
      ["ToolsFail", "Scheduled Event"],
    ]);
  });
});
