import { randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";
import { type FunctionLogs, lineReader } from "./logs.ts";

/** A function as the local Lambda runs it. */
export interface FunctionDefinition {
  name: string;
  /** Absolute path of the handler module. */
  modulePath: string;
  exportName: string;
  timeoutMs: number;
  memoryMb: number;
  /** The function's whole environment: nothing of the host process leaks in. */
  environment: Record<string, string>;
  /** Execution environments that may run at once; more invocations wait their turn. */
  concurrency: number;
}

export interface LambdaError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type InvocationResult =
  | { ok: true; payload: string }
  | { ok: false; error: LambdaError; timedOut: boolean };

export interface InvokeOptions {
  requestId?: string;
  clientContext?: unknown;
}

const WORKER = new URL("./worker.mjs", import.meta.url);

interface Environment {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
  /** Resolves once both output streams have shown the end of that invocation. */
  outputDone(requestId: string): Promise<void>;
}

/** Longest wait for an invocation's output after its result (a stream that lags is not fatal). */
const OUTPUT_WAIT_MS = 2_000;

/**
 * The execution environments of one function: each a worker thread with the function's own
 * environment variables, reused between invocations, replaced after a timeout or a crash.
 */
export class FunctionPool {
  private readonly environments = new Set<Environment>();
  private readonly waiting: (() => void)[] = [];
  private workers = 0;

  constructor(
    readonly definition: FunctionDefinition,
    private readonly context: { region: string; accountId: string; logs: FunctionLogs },
  ) {}

  /** Starts one environment ahead of the first invocation (a cold start paid at boot). */
  async warm(): Promise<void> {
    if (this.environments.size === 0) await this.spawn().ready;
  }

  async invoke(payload: string, options: InvokeOptions = {}): Promise<InvocationResult> {
    const environment = await this.acquire();
    const requestId = options.requestId ?? randomUUID();
    try {
      await environment.ready;
    } catch (error) {
      this.discard(environment);
      return { ok: false, error: error as LambdaError, timedOut: false };
    }
    const deadline = Date.now() + this.definition.timeoutMs;
    return new Promise<InvocationResult>((resolve) => {
      let finished = false;
      const finish = (result: InvocationResult, keep: boolean) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        environment.worker.off("message", onMessage);
        environment.worker.off("exit", onExit);
        if (keep) this.release(environment);
        else this.discard(environment);
        resolve(result);
      };
      const timer = setTimeout(() => {
        const seconds = (this.definition.timeoutMs / 1000).toFixed(2);
        const errorMessage = `${new Date().toISOString()} ${requestId} Task timed out after ${seconds} seconds`;
        finish(
          { ok: false, error: { errorType: "Sandbox.Timedout", errorMessage }, timedOut: true },
          false,
        );
      }, this.definition.timeoutMs);
      const onMessage = (message: {
        type: string;
        requestId?: string;
        ok?: boolean;
        payload?: string;
        error?: LambdaError;
      }) => {
        if (message.type !== "result" || message.requestId !== requestId) return;
        // The handler finished in time: waiting for its output lines must not turn into a timeout.
        clearTimeout(timer);
        const result: InvocationResult = message.ok
          ? { ok: true, payload: message.payload ?? "null" }
          : { ok: false, error: message.error ?? unknownError, timedOut: false };
        // Answer once every line the handler wrote is in the function's log.
        void environment.outputDone(requestId).then(() => finish(result, true));
      };
      const onExit = (code: number) => {
        const error = {
          errorType: "Runtime.ExitError",
          errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status ${code}`,
        };
        finish({ ok: false, error, timedOut: false }, false);
      };
      environment.worker.on("message", onMessage);
      environment.worker.once("exit", onExit);
      environment.worker.postMessage({
        type: "invoke",
        requestId,
        payload,
        deadline,
        clientContext: options.clientContext,
      });
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.environments].map((e) => e.worker.terminate()));
    this.environments.clear();
    this.workers = 0;
  }

  private spawn(): Environment {
    this.workers += 1;
    const { name, modulePath, exportName, memoryMb, environment } = this.definition;
    const worker = new Worker(WORKER, {
      env: environment,
      stdout: true,
      stderr: true,
      workerData: {
        modulePath,
        exportName,
        functionName: name,
        memoryMb,
        workerId: this.workers,
        region: this.context.region,
        accountId: this.context.accountId,
      },
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, memoryMb) },
    });
    const ready = new Promise<void>((resolve, reject) => {
      worker.once("message", (m: { type: string; error?: LambdaError }) =>
        m.type === "ready" ? resolve() : reject(m.error ?? unknownError),
      );
      worker.once("error", (error) =>
        reject({ errorType: "Runtime.ImportModuleError", errorMessage: error.message }),
      );
      worker.once("exit", (code) =>
        reject({
          errorType: "Runtime.ExitError",
          errorMessage: `Runtime exited during init with status ${code}`,
        }),
      );
    });
    ready.catch(() => {});
    const env: Environment = { worker, ready, busy: false, outputDone: this.captureOutput(worker) };
    this.environments.add(env);
    return env;
  }

  /** Puts the worker's output lines in the function's log; tells when an invocation's is all in. */
  private captureOutput(worker: Worker): Environment["outputDone"] {
    const markers = new Map<string, number>();
    const complete = new Set<string>();
    const waiting = new Map<string, () => void>();
    const ended = (requestId: string) => {
      const count = (markers.get(requestId) ?? 0) + 1;
      if (count < 2) return void markers.set(requestId, count);
      markers.delete(requestId);
      const waiter = waiting.get(requestId);
      if (waiter) waiter();
      else complete.add(requestId);
    };
    for (const stream of ["stdout", "stderr"] as const) {
      const append = (line: string) => this.context.logs.append(this.definition.name, stream, line);
      worker[stream].on("data", lineReader(append, ended));
    }
    return (requestId) =>
      new Promise<void>((resolve) => {
        if (complete.delete(requestId)) return resolve();
        const done = () => {
          clearTimeout(timer);
          waiting.delete(requestId);
          resolve();
        };
        const timer = setTimeout(done, OUTPUT_WAIT_MS);
        waiting.set(requestId, done);
      });
  }

  private async acquire(): Promise<Environment> {
    for (;;) {
      const idle = [...this.environments].find((e) => !e.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.environments.size < this.definition.concurrency) {
        const fresh = this.spawn();
        fresh.busy = true;
        return fresh;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(environment: Environment) {
    environment.busy = false;
    this.waiting.shift()?.();
  }

  private discard(environment: Environment) {
    this.environments.delete(environment);
    void environment.worker.terminate();
    this.waiting.shift()?.();
  }
}

const unknownError: LambdaError = {
  errorType: "Runtime.Unknown",
  errorMessage: "the function failed without an error",
};
