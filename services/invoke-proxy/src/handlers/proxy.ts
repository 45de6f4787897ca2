import { livePorts } from "../adapters/live.ts";
import { handleCall } from "../call.ts";

interface LambdaContext {
  clientContext?: unknown;
  getRemainingTimeInMillis(): number;
}

/** The invoke-proxy: one cross-service call per invocation, answered as a ProxyAnswer. */
export const handler = (event: unknown, context: LambdaContext) =>
  handleCall(livePorts(), event, {
    clientContext: context.clientContext,
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
