import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import {
  defineService,
  PROXY_FUNCTION,
  PROXY_SERVICE,
  type ServiceManifest,
} from "@platform/manifest";
import { mintToken } from "./apigateway/token.ts";
import { LOCAL_ACCOUNT } from "./names.ts";
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from "./platform.ts";

/** The repository root, where `services/<name>/` live. */
export const REPOSITORY_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * The invoke-proxy's place in the platform, for a service tested on its own: every platform has
 * the proxy, so a service's test platform has it too, at the place the proxy's team keeps it.
 */
const proxyPlaceholder = defineService({
  name: PROXY_SERVICE,
  description: "The invoke-proxy, as every platform has it.",
  functions: {
    [PROXY_FUNCTION]: {
      handler: "src/handlers/proxy.handler",
      description: "Allow-lists, invokes and logs one cross-service call.",
      link: ["Bus"],
    },
  },
});

/** A service's operations, allowing only the callers that run on this test platform. */
function withCallersAmong(manifest: ServiceManifest, present: readonly ServiceManifest[]) {
  if (!manifest.operations) return manifest;
  const names = new Set(present.map((m) => m.name));
  const operations = Object.fromEntries(
    Object.entries(manifest.operations).map(([name, op]) => [
      name,
      { ...op, callers: op.callers.filter((caller) => names.has(caller)) },
    ]),
  );
  return { ...manifest, operations };
}

export interface TestCloud extends LocalCloud {
  /** A token from the local issuer, accepted by the HTTP API's JWT authorizer. */
  token(subject: string, scopes?: string[]): Promise<string>;
  /** Client settings pointing the AWS SDK at this platform. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  s3: S3Client;
  dynamodb: DynamoDBClient;
  eventBridge: EventBridgeClient;
}

/**
 * A whole platform for one service's tests: the given manifests (plus the proxy), every port
 * picked free, state in a temporary folder, and retries without long waits. Operation callers
 * that are not on this platform are left out of the allow-lists, since they cannot call.
 */
export async function startTestCloud(
  options: { manifests: readonly ServiceManifest[] } & Partial<LocalCloudOptions>,
): Promise<TestCloud> {
  const present = options.manifests.some((m) => m.name === PROXY_SERVICE)
    ? options.manifests
    : [...options.manifests, proxyPlaceholder];
  const manifests = present.map((m) => withCallersAmong(m, present));
  const cloud = await startLocalCloud({
    root: REPOSITORY_ROOT,
    edgePort: 0,
    apiPort: 0,
    serverApiPort: 0,
    issuerPort: 0,
    concurrency: 2,
    deliveryRetryDelayMs: () => 10,
    asyncRetryDelayMs: () => 10,
    ...options,
    manifests,
  });
  const clientConfig = {
    endpoint: cloud.endpoint,
    region: LOCAL_ACCOUNT.region,
    credentials: {
      accessKeyId: LOCAL_ACCOUNT.accessKeyId,
      secretAccessKey: LOCAL_ACCOUNT.secretAccessKey,
    },
  };
  return Object.assign(cloud, {
    token: (subject: string, scopes: string[] = []) =>
      mintToken({ dataDir: cloud.credentialsDir, subject, scopes }),
    clientConfig,
    s3: new S3Client({
      ...clientConfig,
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    }),
    dynamodb: new DynamoDBClient(clientConfig),
    eventBridge: new EventBridgeClient(clientConfig),
  });
}
