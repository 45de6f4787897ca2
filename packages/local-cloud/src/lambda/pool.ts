import { randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";

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
}

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
    private readonly context: { region: string; accountId: string },
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
      const finish = (result: InvocationResult, keep: boolean) => {
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
        if (message.ok) finish({ ok: true, payload: message.payload ?? "null" }, true);
        else finish({ ok: false, error: message.error ?? unknownError, timedOut: false }, true);
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
      workerData: {
        modulePath,
        exportName,
        functionName: name,
        memoryMb,
        workerId: this.workers,
        ...this.context,
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
    const env: Environment = { worker, ready, busy: false };
    this.environments.add(env);
    return env;
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
