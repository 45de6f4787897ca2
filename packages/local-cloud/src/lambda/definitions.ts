import { existsSync } from "node:fs";
import { join } from "node:path";
import { proxyEnvironment, type Wiring } from "@platform/manifest";
import { type AppIdentity, LOCAL_ACCOUNT, type resourceNames } from "../names.ts";
import type { FunctionDefinition } from "./pool.ts";

/**
 * Tells a function it runs on this machine, not in AWS (the stacks never set it). Code that must
 * be stricter in the cloud, such as notify's webhook address checks, relaxes only when it is set.
 */
export const LOCAL_RUNTIME = { PLATFORM_RUNTIME: "local" } as const;

/** Points a function at the edge once its port is known. */
export function retarget(fn: FunctionDefinition, edgeUrl: string) {
  fn.environment.AWS_ENDPOINT_URL = edgeUrl;
}

/** Each function with the environment its links would give it in the cloud, pointed at this machine. */
export function functionDefinitions(
  root: string,
  wiring: Wiring,
  names: ReturnType<typeof resourceNames>,
  context: { edgeUrl: string; dynamodbUrl: string; app: AppIdentity; concurrency: number },
) {
  const missingHandlers: string[] = [];
  const functions = wiring.functions.map((fn): FunctionDefinition => {
    const dot = fn.handler.lastIndexOf(".");
    const base = join(root, fn.handler.slice(0, dot));
    const modulePath =
      [".ts", ".mjs", ".js"].map((ext) => base + ext).find(existsSync) ?? `${base}.ts`;
    if (!existsSync(modulePath)) missingHandlers.push(`${fn.id}: ${fn.handler}`);
    const name = names.functionName(fn.id);
    // The proxy is linked to the functions behind operations, as in the stacks.
    const link = fn.isProxy ? [...fn.link, ...wiring.operations.map((op) => op.target)] : fn.link;
    const resources = Object.fromEntries(
      link.map((l) => [`SST_RESOURCE_${l}`, JSON.stringify(names.links[l] ?? {})]),
    );
    return {
      name,
      modulePath,
      exportName: fn.handler.slice(dot + 1),
      timeoutMs: seconds(fn.timeout) * 1000,
      memoryMb: Number.parseInt(fn.memory, 10),
      concurrency: context.concurrency,
      environment: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        TZ: "UTC",
        AWS_REGION: LOCAL_ACCOUNT.region,
        AWS_DEFAULT_REGION: LOCAL_ACCOUNT.region,
        AWS_ACCESS_KEY_ID: LOCAL_ACCOUNT.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_ACCOUNT.secretAccessKey,
        AWS_ENDPOINT_URL: context.edgeUrl,
        AWS_ENDPOINT_URL_DYNAMODB: context.dynamodbUrl,
        AWS_LAMBDA_FUNCTION_NAME: name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(Number.parseInt(fn.memory, 10)),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        PLATFORM_SERVICE: fn.service,
        ...LOCAL_RUNTIME,
        POWERTOOLS_SERVICE_NAME: fn.service,
        SST_RESOURCE_App: JSON.stringify({
          name: context.app.name,
          stage: context.app.stage,
          type: "sst.sst.Linkable",
        }),
        ...resources,
        // The proxy's operation table, as the stacks give it.
        ...(fn.isProxy ? proxyEnvironment(wiring) : {}),
      },
    };
  });
  return { functions, missingHandlers };
}

function seconds(timeout: string): number {
  const [amount = "0", unit = "seconds"] = timeout.split(" ");
  return Number(amount) * (unit.startsWith("minute") ? 60 : 1);
}
