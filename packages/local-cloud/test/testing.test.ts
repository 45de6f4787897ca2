import { AuditHistory, DescribeImage } from "@platform/events";
import {
  buildWiring,
  defineService,
  PLATFORM_OPERATIONS,
  parseProxyOperations,
  type ServiceManifest,
} from "@platform/manifest";
import { describe, expect, it } from "vitest";
import { functionDefinitions } from "../src/lambda/definitions.ts";
import { resourceNames } from "../src/names.ts";
import { proxyPlaceholder, REPOSITORY_ROOT, testPlatformManifests } from "../src/testing.ts";

const imaging = defineService({
  name: "imaging",
  description: "exposes imaging.describe",
  functions: { describe: { handler: "src/handlers/describe.handler", description: "d" } },
  operations: {
    "imaging.describe": { contract: DescribeImage, function: "describe", callers: ["upload"] },
  },
});
const audit = defineService({
  name: "audit",
  description: "exposes audit.history",
  functions: {
    history: { handler: "src/handlers/history.handler", description: "h" },
    caller: { handler: "src/handlers/caller.handler", description: "c", link: ["InvokeProxy"] },
  },
  operations: {
    "audit.history": { contract: AuditHistory, function: "history", callers: ["upload", "audit"] },
  },
});
const callersOf = (manifests: ServiceManifest[], operation: string) =>
  manifests.flatMap((m) => m.operations?.[operation]?.callers ?? []);

describe("a test platform's manifests", () => {
  it("add the proxy, and cut allow-lists to the services present", () => {
    const manifests = testPlatformManifests([imaging, audit]);
    expect(manifests.map((m) => m.name)).toEqual(["imaging", "audit", "invoke-proxy"]);
    expect(manifests.at(-1)).toBe(proxyPlaceholder);
    expect(callersOf(manifests, "imaging.describe")).toEqual([]);
    expect(callersOf(manifests, "audit.history")).toEqual(["audit"]);
  });

  it("keep a caller the test calls as, through a stand-in linked to the proxy alone", () => {
    const manifests = testPlatformManifests([imaging], ["upload", "imaging"]);
    expect(manifests.map((m) => m.name)).toEqual(["imaging", "invoke-proxy", "upload"]);
    expect(callersOf(manifests, "imaging.describe")).toEqual(["upload"]);
    const wiring = buildWiring(manifests);
    expect(wiring.functions.find((f) => f.service === "upload")).toMatchObject({
      handler: "packages/local-cloud/src/handlers/stand-in.handler",
      link: ["InvokeProxy"],
    });
    const { missingHandlers } = functionDefinitions(
      REPOSITORY_ROOT,
      wiring,
      resourceNames(wiring, { name: "t", stage: "test" }),
      {
        edgeUrl: "http://127.0.0.1:1",
        dynamodbUrl: "http://127.0.0.1:2",
        app: { name: "t", stage: "test" },
        concurrency: 1,
      },
    );
    expect(missingHandlers.filter((m) => m.startsWith("UploadCaller"))).toEqual([]);
  });

  it("give the proxy, and only the proxy, the operation table and links to the targets", () => {
    const wiring = buildWiring(testPlatformManifests([imaging], ["upload"]));
    const { functions } = functionDefinitions(
      REPOSITORY_ROOT,
      wiring,
      resourceNames(wiring, { name: "t", stage: "test" }),
      {
        edgeUrl: "http://127.0.0.1:1",
        dynamodbUrl: "http://127.0.0.1:2",
        app: { name: "t", stage: "test" },
        concurrency: 1,
      },
    );
    const proxy = functions.find((f) => f.name === "t-test-invoke-proxy");
    expect(parseProxyOperations(proxy?.environment[PLATFORM_OPERATIONS])).toEqual({
      "imaging.describe": { target: "ImagingDescribe", callers: ["upload"] },
    });
    expect(JSON.parse(proxy?.environment.SST_RESOURCE_ImagingDescribe ?? "{}")).toMatchObject({
      name: "ImagingDescribe",
    });
    const others = functions.filter((f) => f !== proxy);
    expect(others.map((f) => f.environment[PLATFORM_OPERATIONS])).toEqual(
      others.map(() => undefined),
    );
    expect(others.some((f) => "SST_RESOURCE_ImagingDescribe" in f.environment)).toBe(false);
  });
});
