import { randomUUID } from "node:crypto";
import type { DeadLetters } from "../dead-letters.ts";
import type { LambdaRuntime } from "../lambda/runtime.ts";
import type { EventArchive } from "./archive.ts";
import { compilePattern, RuleIndex } from "./pattern/index.ts";

export type Target =
  | { id: string; kind: "lambda"; functionName: string }
  | { id: string; kind: "bus"; busName: string };

export interface RetryPolicy {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
}

export interface Rule {
  name: string;
  bus: string;
  description?: string;
  pattern: string;
  targets: Target[];
  retry: RetryPolicy;
  deadLetterQueue?: string;
}

/** An event as EventBridge hands it to targets. */
export interface BusEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  "replay-name"?: string;
}

export interface EventBridgeOptions {
  region: string;
  accountId: string;
  lambda: LambdaRuntime;
  deadLetters: DeadLetters;
  /** Delay before delivery retry n (1-based); EventBridge backs off over hours, locally it is quick. */
  retryDelayMs?: (attempt: number) => number;
  log?: (line: string) => void;
}

const DEFAULT_RETRY: RetryPolicy = { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 };

/** Event buses, their rules, and delivery to targets with retries and dead-letter queues. */
export class EventBridge {
  private readonly buses = new Map<string, { rules: Map<string, Rule>; index: RuleIndex<Rule> }>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly archives = new Map<string, EventArchive>();

  constructor(private readonly options: EventBridgeOptions) {
    this.createBus("default");
  }

  busArn(name: string): string {
    return `arn:aws:events:${this.options.region}:${this.options.accountId}:event-bus/${name}`;
  }

  createBus(name: string): void {
    if (!this.buses.has(name))
      this.buses.set(name, { rules: new Map(), index: new RuleIndex<Rule>() });
  }

  hasBus(name: string): boolean {
    return this.buses.has(this.busName(name));
  }

  busNames(): string[] {
    return [...this.buses.keys()];
  }

  /** Accepts a bus name or ARN. */
  busName(nameOrArn: string | undefined): string {
    if (!nameOrArn) return "default";
    return nameOrArn.includes(":event-bus/")
      ? (nameOrArn.split(":event-bus/")[1] ?? nameOrArn)
      : nameOrArn;
  }

  /** Creates or replaces a rule; throws InvalidEventPatternError for a pattern AWS would refuse. */
  putRule(rule: Omit<Rule, "targets" | "retry"> & Partial<Pick<Rule, "targets" | "retry">>): Rule {
    const bus = this.requireBus(rule.bus);
    compilePattern(rule.pattern);
    const existing = bus.rules.get(rule.name);
    const full: Rule = { targets: existing?.targets ?? [], retry: DEFAULT_RETRY, ...rule };
    bus.rules.set(rule.name, full);
    bus.index.remove(rule.name);
    bus.index.add(rule.name, rule.pattern, full);
    return full;
  }

  rules(busName: string): Rule[] {
    return [...this.requireBus(busName).rules.values()];
  }

  rule(busName: string, name: string): Rule | undefined {
    return this.buses.get(this.busName(busName))?.rules.get(name);
  }

  deleteRule(busName: string, name: string): void {
    const bus = this.requireBus(busName);
    bus.rules.delete(name);
    bus.index.remove(name);
  }

  /** Archives every event that reaches the archive's bus from now on. */
  addArchive(archive: EventArchive): void {
    this.requireBus(archive.bus);
    this.archives.set(archive.name, archive);
  }

  archive(name: string): EventArchive | undefined {
    return this.archives.get(name);
  }

  archiveNames(): string[] {
    return [...this.archives.keys()];
  }

  ruleArn(rule: Pick<Rule, "bus" | "name">): string {
    const path = rule.bus === "default" ? rule.name : `${rule.bus}/${rule.name}`;
    return `arn:aws:events:${this.options.region}:${this.options.accountId}:rule/${path}`;
  }

  /**
   * Re-delivers the archived events of a time window, each marked with `replay-name`, to the rules
   * of the archive's bus that match them (or only to `rules` when given), as StartReplay does.
   */
  async replay(options: { name: string; archive: string; from: Date; to: Date; rules?: string[] }) {
    const archive = this.archives.get(options.archive);
    if (!archive)
      throw named("ResourceNotFoundException", `Archive ${options.archive} does not exist.`);
    const bus = this.requireBus(archive.bus);
    let events = 0;
    let deliveries = 0;
    for await (const archived of archive.between(options.from, options.to)) {
      events += 1;
      const event: BusEvent = { ...archived, "replay-name": options.name };
      for (const rule of bus.index.match(event)) {
        if (options.rules && !options.rules.includes(rule.name)) continue;
        for (const target of rule.targets) {
          deliveries += 1;
          this.track(this.deliver(rule, target, event));
        }
      }
    }
    return { events, deliveries };
  }

  /** Puts a complete event on a bus (S3's events, and events that PutEvents accepted). */
  put(busName: string, event: BusEvent): void {
    const bus = this.requireBus(busName);
    if (!event["replay-name"]) {
      for (const archive of this.archives.values()) {
        if (archive.bus === this.busName(busName)) this.track(archive.append(event));
      }
    }
    for (const rule of bus.index.match(event)) {
      for (const target of rule.targets) this.track(this.deliver(rule, target, event));
    }
  }

  /** Builds the event EventBridge would from a PutEvents entry. */
  eventFrom(entry: {
    source: string;
    detailType: string;
    detail: unknown;
    resources?: string[];
    time?: Date;
  }): BusEvent {
    return {
      version: "0",
      id: randomUUID(),
      "detail-type": entry.detailType,
      source: entry.source,
      account: this.options.accountId,
      time: (entry.time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z"),
      region: this.options.region,
      resources: entry.resources ?? [],
      detail: entry.detail,
    };
  }

  /** Resolves once every delivery in flight (and the async invocations it started) has finished. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.options.lambda.drain();
    if (this.pending.size > 0) await this.drain();
  }

  /**
   * Retries one rule target until it takes the event, or its retry policy is spent; then
   * dead-letters it. Resolves to whether the target took it.
   */
  async deliver(rule: Rule, target: Target, event: BusEvent): Promise<boolean> {
    const delay = this.options.retryDelayMs ?? ((n: number) => Math.min(5_000, 100 * 2 ** (n - 1)));
    const firstAttemptAt = Date.now();
    let lastError = { code: "Unknown", message: "not attempted" };
    for (let attempt = 0; attempt <= rule.retry.maximumRetryAttempts; attempt++) {
      if (attempt > 0) {
        if (Date.now() - firstAttemptAt > rule.retry.maximumEventAgeSeconds * 1000) break;
        await new Promise((r) => setTimeout(r, delay(attempt)));
      }
      try {
        this.handOver(target, event);
        return true;
      } catch (error) {
        lastError = { code: (error as Error).name, message: (error as Error).message };
      }
    }
    const attempts = rule.retry.maximumRetryAttempts + 1;
    this.options.log?.(`⚡ ${rule.name} → ${target.id}: undeliverable (${lastError.message})`);
    if (!rule.deadLetterQueue) return false;
    await this.options.deadLetters.put(rule.deadLetterQueue, {
      error: lastError,
      attempts,
      firstAttemptAt: new Date(firstAttemptAt).toISOString(),
      redrive: { kind: "rule", bus: rule.bus, rule: rule.name, event },
    });
    return false;
  }

  /** EventBridge invokes Lambda targets asynchronously: the hand-over succeeds once Lambda accepts. */
  private handOver(target: Target, event: BusEvent): void {
    if (target.kind === "bus") {
      if (!this.hasBus(target.busName))
        throw named("ResourceNotFoundException", `Event bus ${target.busName} does not exist.`);
      this.put(this.busName(target.busName), event);
      return;
    }
    const name = this.options.lambda.resolve(target.functionName);
    if (!name)
      throw named("ResourceNotFoundException", `Function not found: ${target.functionName}`);
    this.options.lambda.invokeAsync(name, JSON.stringify(event));
  }

  private track(task: Promise<unknown>) {
    const tracked = task.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private requireBus(name: string) {
    const bus = this.buses.get(this.busName(name));
    if (!bus) throw named("ResourceNotFoundException", `Event bus ${name} does not exist.`);
    return bus;
  }
}

function named(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}
