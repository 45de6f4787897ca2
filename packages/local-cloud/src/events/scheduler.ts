import { scheduleIntervalMs, type WiredSchedule } from "@platform/manifest";
import type { LambdaRuntime } from "../lambda/runtime.ts";
import type { EventBridge } from "./bus.ts";

/** Node fires a longer timer at once: slower schedules (over 24.8 days) run on request only. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export interface SchedulerOptions {
  schedules: WiredSchedule[];
  /** The physical name of a wired function. */
  functionName: (id: string) => string;
  events: Pick<EventBridge, "eventFrom" | "ruleArn">;
  lambda: Pick<LambdaRuntime, "invokeAsync">;
  log?: (line: string) => void;
}

/**
 * The manifests' scheduled rules. Each fire invokes the target asynchronously with the
 * "Scheduled Event" EventBridge sends, so Lambda's retries and the failure queue apply as they do
 * to rule deliveries. rate() schedules fire every period once started; cron() ones only on request.
 */
export class Scheduler {
  private readonly schedules: Map<string, WiredSchedule>;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: SchedulerOptions) {
    this.schedules = new Map(options.schedules.map((s) => [s.id, s]));
  }

  ids(): string[] {
    return [...this.schedules.keys()];
  }

  start(): void {
    for (const schedule of this.schedules.values()) {
      const period = scheduleIntervalMs(schedule.schedule);
      const on = `${schedule.id} → ${schedule.target}, ${schedule.schedule}`;
      if (period === undefined || period > LONGEST_TIMER_MS) {
        this.options.log?.(
          `⏱ ${on}: runs here only when triggered (POST /_local/schedules/${schedule.id}/run)`,
        );
        continue;
      }
      // unref: a pending schedule never keeps the process alive.
      this.timers.push(setInterval(() => this.run(schedule.id), period).unref());
      this.options.log?.(`⏱ ${on}`);
    }
  }

  /** Fires a schedule once, now; false when there is no such schedule. */
  run(id: string): boolean {
    const schedule = this.schedules.get(id);
    if (!schedule) return false;
    const { events, lambda, functionName } = this.options;
    const event = events.eventFrom({
      source: "aws.events",
      detailType: "Scheduled Event",
      detail: {},
      // Scheduled rules live on the default bus.
      resources: [events.ruleArn({ bus: "default", name: schedule.id })],
    });
    lambda.invokeAsync(functionName(schedule.target), JSON.stringify(event));
    return true;
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }
}
