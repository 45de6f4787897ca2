// One Lambda execution environment: loads one handler module (TypeScript through tsx) and runs
// one invocation at a time, as Lambda does. Plain JavaScript because it must start without a loader.
import { parentPort, workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();

const { modulePath, exportName, functionName, memoryMb, region, accountId } = workerData;

/** Lambda's context object, as much of it as handlers use. */
function contextFor(request) {
  return {
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: request.requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${process.pid}/${workerData.workerId}`,
    clientContext: request.clientContext,
    identity: undefined,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, request.deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

function describeError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || "Error",
      errorMessage: error.message,
      trace: (error.stack ?? "").split("\n"),
    };
  }
  return { errorType: "Error", errorMessage: String(error), trace: [] };
}

let handler;
try {
  const module = await import(modulePath);
  handler = module[exportName];
  if (typeof handler !== "function") {
    throw Object.assign(new Error(`${modulePath} does not export a function named ${exportName}`), {
      name: "Runtime.HandlerNotFound",
    });
  }
  parentPort.postMessage({ type: "ready" });
} catch (error) {
  const described = describeError(error);
  if (described.errorType === "Error") described.errorType = "Runtime.ImportModuleError";
  parentPort.postMessage({ type: "init-error", error: described });
}

// Must match END_OF_INVOCATION in logs.ts: after it, every line of the invocation has been sent.
const END_OF_INVOCATION = "\u0000local-cloud:end ";
function endOutput(requestId) {
  process.stdout.write(`${END_OF_INVOCATION}${requestId}\n`);
  process.stderr.write(`${END_OF_INVOCATION}${requestId}\n`);
}

parentPort.on("message", async (request) => {
  if (request.type !== "invoke") return;
  try {
    const result = await handler(JSON.parse(request.payload), contextFor(request));
    endOutput(request.requestId);
    parentPort.postMessage({
      type: "result",
      requestId: request.requestId,
      ok: true,
      payload: result === undefined ? "null" : JSON.stringify(result),
    });
  } catch (error) {
    endOutput(request.requestId);
    parentPort.postMessage({
      type: "result",
      requestId: request.requestId,
      ok: false,
      error: describeError(error),
    });
  }
});
