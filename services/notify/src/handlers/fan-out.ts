import { livePorts } from "../adapters/live.ts";
import { DeliveriesFailed, fanOut, OwnerNotYetKnown } from "../fan-out.ts";

interface Context {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/**
 * Files ready, rejected, deleted and bytes received: each to SNS and to the owner's webhooks.
 * Logs ids and outcomes only (never a URL, a body or a secret).
 */
export const handler = async (raw: unknown, context: Context) => {
  const invocation = {
    requestId: context.awsRequestId,
    deadline: Date.now() + context.getRemainingTimeInMillis(),
  };
  try {
    const result = await fanOut(livePorts(), raw, invocation);
    console.log(JSON.stringify({ level: "info", message: "notified", ...result }));
    return result;
  } catch (error) {
    if (error instanceof DeliveriesFailed)
      console.log(JSON.stringify({ level: "warn", message: "still owed", ...error.result }));
    if (error instanceof OwnerNotYetKnown)
      console.log(JSON.stringify({ level: "warn", message: error.message }));
    throw error;
  }
};
