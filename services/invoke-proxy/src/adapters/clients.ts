import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { LambdaClient } from "@aws-sdk/client-lambda";

// One client per AWS service for the whole function, created once per execution environment.
// Endpoints come from the environment (AWS_ENDPOINT_URL on the local platform).

// No SDK retries: a retried sync invocation could run the target twice, and retries would spend
// the caller's timeout. A throttled or unreachable target is reported as target_failed.
export const lambda = new LambdaClient({ maxAttempts: 1 });

export const eventBridge = new EventBridgeClient({});
