import { AuditHistory } from "@platform/events";
import { OperationInputError } from "@platform/invoke";
import { livePorts } from "../adapters/live.ts";
import { InvalidCursorError } from "../cursor.ts";
import { history } from "../history.ts";

/** The audit.history operation, invoked by the invoke-proxy with the caller's input. */
export const handler = async (raw: unknown) => {
  const input = AuditHistory.input.parse(raw);
  try {
    return AuditHistory.output.parse(await history(livePorts(), input));
  } catch (error) {
    // A cursor this query never issued is the caller's mistake: the proxy answers invalid_input.
    if (error instanceof InvalidCursorError) throw new OperationInputError(error.message);
    throw error;
  }
};
