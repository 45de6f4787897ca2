import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
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
 * the proxy, so a service's test platform has it too, at the place the proxy's team keeps it,
 * with the proxy manifest's links and timeout (a test in services/invoke-proxy holds them equal).
 */
export const proxyPlaceholder = defineService({
  name: PROXY_SERVICE,
  description: "The invoke-proxy, as every platform has it.",
  functions: {
    [PROXY_FUNCTION]: {
      handler: "src/handlers/proxy.handler",
      description: "Allow-lists, invokes and logs one cross-service call.",
      timeout: "1 minute",
      link: ["Bus"],
    },
  },
});

/** A service that is not on the test platform but calls its operations from the test itself. */
function standInCaller(name: string): ServiceManifest {
  return defineService({
    name,
    description: `Stands in for ${name}, which calls from the test itself.`,
    root: "packages/local-cloud",
    functions: {
      caller: {
        handler: "src/handlers/stand-in.handler",
        description: "Never invoked: gives the stand-in its link to the proxy.",
        link: ["InvokeProxy"],
      },
    },
  });
}

/**
 * The manifests a test platform runs: the given ones, the proxy unless given, a stand-in for each
 * of `callers` that is absent, and the operations' allow-lists cut to the services present.
 */
export function testPlatformManifests(
  manifests: readonly ServiceManifest[],
  callers: readonly string[] = [],
): ServiceManifest[] {
  const withProxy = manifests.some((m) => m.name === PROXY_SERVICE)
    ? [...manifests]
    : [...manifests, proxyPlaceholder];
  const absent = callers.filter((name) => !withProxy.some((m) => m.name === name));
  const present = [...withProxy, ...absent.map(standInCaller)];
  return present.map((m) => withCallersAmong(m, present));
}

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

/** A platform event as a test reads it back: the envelope's id and type, and the detail's halves. */
export interface SeenEvent {
  id: string;
  detailType: string;
  metadata: { eventId: string; correlationId: string; causationId: string | null; actor: unknown };
  data: Record<string, unknown>;
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
  /** Once everything in flight has settled: every platform event the bus received since `from`. */
  platformEvents(from?: Date): Promise<SeenEvent[]>;
  /** Whether the uploads bucket holds `key` (a real HeadObject; errors other than 404 throw). */
  objectExists(key: string): Promise<boolean>;
}

/** Reads the platform bus's archive: it keeps every event, so tests need no recording subscriber. */
async function archivedPlatformEvents(cloud: LocalCloud, from: Date): Promise<SeenEvent[]> {
  await cloud.settle();
  const archive = cloud.events.archive(cloud.names.archive);
  if (!archive) throw new Error(`the platform bus has no archive ${cloud.names.archive}`);
  const seen: SeenEvent[] = [];
  for await (const event of archive.between(from, new Date(Date.now() + 24 * 3600 * 1000))) {
    const detail = event.detail as Partial<Pick<SeenEvent, "metadata" | "data">> | null;
    if (!detail?.metadata) continue; // S3's own events carry no platform metadata
    seen.push({
      id: event.id,
      detailType: event["detail-type"],
      metadata: detail.metadata,
      data: detail.data ?? {},
    });
  }
  return seen;
}

/**
 * A whole platform for one service's tests: the given manifests (plus the proxy), every port
 * picked free, state in a temporary folder, and retries without long waits. Operation callers
 * that are not on this platform are left out of the allow-lists, since they cannot call, unless
 * named in `callers`: the test calls as them (createInvoker from @platform/invoke with that
 * caller), and each gets a stand-in service so the allow-lists keep it.
 */
export async function startTestCloud(
  options: {
    manifests: readonly ServiceManifest[];
    callers?: readonly string[];
  } & Partial<LocalCloudOptions>,
): Promise<TestCloud> {
  const { callers, ...rest } = options;
  const manifests = testPlatformManifests(options.manifests, callers);
  const cloud = await startLocalCloud({
    root: REPOSITORY_ROOT,
    edgePort: 0,
    apiPort: 0,
    serverApiPort: 0,
    issuerPort: 0,
    concurrency: 2,
    deliveryRetryDelayMs: () => 10,
    asyncRetryDelayMs: () => 10,
    ...rest,
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
  const s3 = new S3Client({
    ...clientConfig,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return Object.assign(cloud, {
    token: (subject: string, scopes: string[] = []) =>
      mintToken({ dataDir: cloud.credentialsDir, subject, scopes }),
    clientConfig,
    s3,
    dynamodb: new DynamoDBClient(clientConfig),
    eventBridge: new EventBridgeClient(clientConfig),
    platformEvents: (from = new Date(0)) => archivedPlatformEvents(cloud, from),
    async objectExists(key: string) {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: cloud.names.bucket, Key: key }));
        return true;
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
        if (status?.httpStatusCode === 404) return false;
        throw error;
      }
    },
  });
}
