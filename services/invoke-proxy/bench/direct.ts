import { InvokeCommand, LambdaClient, type LambdaClientConfig } from "@aws-sdk/client-lambda";
import { encodeClientContext } from "@platform/invoke";

/**
 * The benchmark's baseline: the target invoked straight through the Lambda API, with the payload
 * and ClientContext the proxy would send it. The one place outside the client and the proxy
 * that invokes a function (allow-listed in test/lambda-door.ts for that reason).
 */
export function directInvoker(config: LambdaClientConfig, functionName: string, input: unknown) {
  const lambda = new LambdaClient({ maxAttempts: 1, ...config });
  const payload = JSON.stringify(input);
  const clientContext = encodeClientContext({
    custom: {
      caller: "bench",
      operation: "audit.history",
      correlationId: "bench",
      causationId: null,
    },
  });
  return {
    async invoke() {
      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          Payload: payload,
          ClientContext: clientContext,
        }),
      );
      if (answer.FunctionError) throw new Error(`the target failed: ${answer.FunctionError}`);
    },
    close: () => lambda.destroy(),
  };
}
