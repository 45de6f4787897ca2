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

/**
 * Thrown by an operation's target that read the input and refused it (a cursor it never issued,
 * say): the proxy answers the caller `invalid_input` instead of `target_failed`. Lambda reports
 * the error by its name, so the name is the contract.
 */
export class OperationInputError extends Error {
  override readonly name = OPERATION_INPUT_ERROR;
}

export const OPERATION_INPUT_ERROR = "OperationInputError";
