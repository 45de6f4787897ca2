import type { OperationContract } from "@platform/events";
import type { InvokeMode } from "@platform/invoke";
import type { ProxyOperations } from "@platform/manifest";
import type { CallRecord } from "./record.ts";

/** How a call to the target ended, as far as the Lambda API could tell. */
export type TargetAnswer =
  /** A sync invocation ran: the payload, and Lambda's FunctionError when the handler failed. */
  | { kind: "answered"; payload: string; functionError?: string }
  /** An async invocation was queued by Lambda. */
  | { kind: "accepted" }
  /** The Invoke request itself failed (the target's code may not have run). */
  | { kind: "failed"; reason: TargetFailure; message: string };

export type TargetFailure =
  | "aborted"
  | "function_not_found"
  | "throttled"
  | "network"
  | "sdk_error";

export interface TargetCall {
  functionName: string;
  mode: InvokeMode;
  payload: string;
  /** base64 JSON ClientContext; Lambda hands it to the target on sync calls only. */
  clientContext: string;
  signal: AbortSignal;
}

export interface ProxyPorts {
  /** From PLATFORM_OPERATIONS: each operation's target function id and callers. */
  operations: ProxyOperations;
  contracts: readonly OperationContract[];
  /** A target's function name through the proxy's links; undefined when not linked. */
  functionName(target: string): string | undefined;
  invokeTarget(call: TargetCall): Promise<TargetAnswer>;
  publish(record: CallRecord, causationId: string | null): Promise<void>;
  /** One line on the function's output (stdout: the call log). */
  writeLog(line: string): void;
  /** A problem that is not a call record (stderr). */
  writeError(line: string): void;
  now(): number;
  newId(): string;
}

/** What the proxy needs from its Lambda context. */
export interface ProxyContext {
  clientContext?: unknown;
  remainingMs(): number;
}
