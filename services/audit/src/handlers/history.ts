import { AuditHistory } from "@platform/events";
import { livePorts } from "../adapters/live.ts";
import { history } from "../history.ts";

/** The audit.history operation, invoked by the invoke-proxy with the caller's input. */
export const handler = async (raw: unknown) => {
  const input = AuditHistory.input.parse(raw);
  return AuditHistory.output.parse(await history(livePorts(), input));
};
