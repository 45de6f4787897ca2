import type { InvokeErrorCode, Issue } from "./wire.ts";

/** Why a call through the invoke-proxy did not give the operation's output. */
export class InvokeError extends Error {
  override readonly name = "InvokeError";
  readonly code: InvokeErrorCode;
  readonly operation: string;
  /** For invalid_input (and target_failed on an invalid output): what was wrong, field by field. */
  readonly issues?: Issue[];

  constructor(code: InvokeErrorCode, operation: string, message: string, issues?: Issue[]) {
    super(`${operation}: ${code}: ${message}`);
    this.code = code;
    this.operation = operation;
    if (issues) this.issues = issues;
  }
}
