import {
  ASYNC_RETRY_ATTEMPTS,
  proxyEnvironment,
  type WiredFunction,
  type Wiring,
} from "@platform/manifest";
import { deadLetterQueue } from "./queues.ts";

type Linkable =
  | sst.Linkable<Record<string, unknown>>
  | sst.aws.Bus
  | sst.aws.Bucket
  | sst.aws.Dynamo
  | sst.aws.SnsTopic;

/**
 * Every service function, and the invoke-proxy. Least privilege for calls between functions:
 * a function that calls another links `InvokeProxy`, which grants `lambda:InvokeFunction` on the
 * proxy alone; only the proxy is linked to (and so may invoke) the functions behind operations.
 */
export function createFunctions(wiring: Wiring, platform: Record<string, Linkable>) {
  // The proxy's name is fixed up front so callers can be granted it before it exists.
  const proxyName = `${$app.name}-${$app.stage}-invoke-proxy`.slice(0, 64);
  const identity = aws.getCallerIdentityOutput({});
  const region = aws.getRegionOutput({});
  const partition = aws.getPartitionOutput({});
  const proxyArn = $interpolate`arn:${partition.partition}:lambda:${region.region}:${identity.accountId}:function:${proxyName}`;
  const invokeProxy = new sst.Linkable("InvokeProxy", {
    properties: { name: proxyName, arn: proxyArn },
    include: [sst.aws.permission({ actions: ["lambda:InvokeFunction"], resources: [proxyArn] })],
  });
  const linkables: Record<string, Linkable> = { ...platform, InvokeProxy: invokeProxy };

  const functions: Record<string, sst.aws.Function> = {};
  const build = (
    fn: WiredFunction,
    extra: { name?: string; link?: sst.aws.Function[]; environment?: Record<string, string> } = {},
  ) => {
    const failures = fn.failureQueue ? deadLetterQueue(fn.failureQueue) : undefined;
    const created = new sst.aws.Function(fn.id, {
      handler: fn.handler,
      description: fn.description,
      runtime: "nodejs24.x",
      architecture: "arm64",
      memory: fn.memory,
      timeout: fn.timeout,
      nodejs: { install: fn.install },
      link: [...fn.link.map((name) => required(linkables, name, fn.id)), ...(extra.link ?? [])],
      environment: {
        PLATFORM_SERVICE: fn.service,
        POWERTOOLS_SERVICE_NAME: fn.service,
        ...extra.environment,
      },
      ...(extra.name ? { name: extra.name } : {}),
      ...(failures
        ? { permissions: [{ actions: ["sqs:SendMessage"], resources: [failures.arn] }] }
        : {}),
      transform: { role: trustLambdaOnly },
    });
    if (failures) {
      // Subscribers are invoked asynchronously: Lambda retries a failing handler, then parks the event.
      new aws.lambda.FunctionEventInvokeConfig(`${fn.id}AsyncConfig`, {
        functionName: created.name,
        maximumRetryAttempts: ASYNC_RETRY_ATTEMPTS,
        destinationConfig: { onFailure: { destination: failures.arn } },
      });
    }
    return created;
  };

  for (const fn of wiring.functions) if (!fn.isProxy) functions[fn.id] = build(fn);
  const targets = [...new Set(wiring.operations.map((op) => op.target))].map((id) =>
    required(functions, id, "proxy"),
  );
  // The proxy learns each operation's target and callers from the same wiring as the local cloud.
  functions[wiring.proxy.id] = build(wiring.proxy, {
    name: proxyName,
    link: targets,
    environment: proxyEnvironment(wiring),
  });
  return { functions };
}

/**
 * SST's function roles also trust the account root, which `sst dev` needs to run functions
 * locally with their role. Outside dev, only Lambda may assume a function's role.
 */
function trustLambdaOnly(args: aws.iam.RoleArgs): undefined {
  if ($dev) return;
  args.assumeRolePolicy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ],
  });
}

function required<T>(map: Record<string, T>, name: string, by: string): T {
  const value = map[name];
  if (!value) throw new Error(`${by} needs "${name}", which the platform does not define`);
  return value;
}
