import { randomUUID } from "node:crypto";
import type { DeadLetters } from "../dead-letters.ts";
import { type FunctionLogLine, FunctionLogs } from "./logs.ts";
import {
  type FunctionDefinition,
  FunctionPool,
  type InvocationResult,
  type InvokeOptions,
} from "./pool.ts";

/** What Lambda does with an asynchronous invocation whose handler fails (FunctionEventInvokeConfig). */
export interface AsyncInvokeConfig {
  /** 0..2, as Lambda allows. */
  maximumRetryAttempts: number;
  /** Dead-letter queue for events that failed every attempt. */
  onFailure?: string;
}

export interface LambdaRuntimeOptions {
  functions: FunctionDefinition[];
  region: string;
  accountId: string;
  deadLetters: DeadLetters;
  asyncConfig?: Record<string, AsyncInvokeConfig>;
  /** Delay before async retry n (1-based). Lambda waits about 1 and 2 minutes; locally, seconds. */
  asyncRetryDelayMs?: (attempt: number) => number;
  log?: (line: string) => void;
  /** Where functions' output lines are kept (and printed from); default: printed to this process. */
  functionLogs?: FunctionLogs;
}

/** The local Lambda service: every function's pool, sync and async invocation, one log line each. */
export class LambdaRuntime {
  private readonly pools = new Map<string, FunctionPool>();
  private readonly pending = new Set<Promise<void>>();
  private readonly functionLogs: FunctionLogs;

  constructor(private readonly options: LambdaRuntimeOptions) {
    this.functionLogs = options.functionLogs ?? new FunctionLogs();
    for (const fn of options.functions) {
      this.pools.set(
        fn.name,
        new FunctionPool(fn, {
          region: options.region,
          accountId: options.accountId,
          logs: this.functionLogs,
        }),
      );
    }
  }

  /** What a function wrote to stdout and stderr, line by line, oldest first (its log group). */
  logs(name: string): FunctionLogLine[] {
    return this.functionLogs.lines(name);
  }

  /** Accepts a name, a full ARN or a partial ARN (`123456789012:function:name`), with or without a qualifier. */
  resolve(nameOrArn: string): string | undefined {
    const name = nameOrArn.split(":function:").pop()?.split(":")[0] ?? nameOrArn;
    return this.pools.has(name) ? name : undefined;
  }

  arnOf(name: string): string {
    return `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${name}`;
  }

  names(): string[] {
    return [...this.pools.keys()];
  }

  async warmAll(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.warm().catch(() => {})));
  }

  async invoke(
    name: string,
    payload: string,
    options: InvokeOptions = {},
  ): Promise<InvocationResult> {
    const pool = this.pools.get(name);
    if (!pool) throw new Error(`Function not found: ${this.arnOf(name)}`);
    const started = performance.now();
    const result = await pool.invoke(payload, options);
    const ms = (performance.now() - started).toFixed(0).padStart(5);
    const outcome = result.ok
      ? "ok"
      : result.timedOut
        ? "timeout"
        : `error ${result.error.errorType}: ${result.error.errorMessage.split("\n")[0]}`;
    this.options.log?.(`λ ${name.padEnd(22)} ${ms} ms  ${outcome}`);
    return result;
  }

  /** Event invocation: accepted at once, retried on failure, dead-lettered when every attempt failed. */
  invokeAsync(name: string, payload: string, options: InvokeOptions = {}): void {
    const config = this.options.asyncConfig?.[name] ?? { maximumRetryAttempts: 2 };
    const delay = this.options.asyncRetryDelayMs ?? ((attempt: number) => attempt * 1000);
    const firstAttemptAt = new Date().toISOString();
    const requestId = options.requestId ?? randomUUID();
    const run = async () => {
      let last: InvocationResult | undefined;
      for (let attempt = 0; attempt <= config.maximumRetryAttempts; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, delay(attempt)));
        last = await this.invoke(name, payload, { ...options, requestId });
        if (last.ok) return;
      }
      if (!last || last.ok || !config.onFailure) return;
      await this.options.deadLetters.put(config.onFailure, {
        error: { code: last.error.errorType, message: last.error.errorMessage },
        attempts: config.maximumRetryAttempts + 1,
        firstAttemptAt,
        redrive: { kind: "lambda", functionName: name, payload },
      });
      this.options.log?.(
        `λ ${name} failed ${config.maximumRetryAttempts + 1} times; dead-lettered to ${config.onFailure}`,
      );
    };
    const task = run().finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** Resolves once every accepted async invocation has finished (tests and shutdown use it). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.stop()));
  }
}
