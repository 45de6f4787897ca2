import { describe, expect, it } from "vitest";
import {
  buildWiring,
  PLATFORM_OPERATIONS,
  parseProxyOperations,
  proxyEnvironment,
  proxyOperations,
  type ServiceManifest,
  validateService,
} from "../src/index.ts";
import { samplePlatform } from "./fixtures.ts";

describe("the proxy's operation table", () => {
  it("names each operation's target function and its callers, from the wiring", () => {
    expect(proxyOperations(buildWiring(samplePlatform()))).toEqual({
      "imaging.describe": { target: "ImagingDescribe", callers: ["caller"] },
    });
  });

  it("travels as one JSON environment variable and reads back the same", () => {
    const environment = proxyEnvironment(buildWiring(samplePlatform()));
    expect(Object.keys(environment)).toEqual([PLATFORM_OPERATIONS]);
    expect(parseProxyOperations(environment.PLATFORM_OPERATIONS)).toEqual({
      "imaging.describe": { target: "ImagingDescribe", callers: ["caller"] },
    });
  });

  it("is empty for a platform that exposes no operation", () => {
    const platform = samplePlatform().map((m) => ({ ...m, operations: undefined }));
    expect(
      parseProxyOperations(proxyEnvironment(buildWiring(platform)).PLATFORM_OPERATIONS),
    ).toEqual({});
  });

  it("refuses a missing, non-JSON or malformed variable, saying which", () => {
    expect(() => parseProxyOperations(undefined)).toThrow(
      "PLATFORM_OPERATIONS is not set: the proxy knows no operations",
    );
    expect(() => parseProxyOperations("{nope")).toThrow(/^PLATFORM_OPERATIONS is not JSON: /);
    expect(() =>
      parseProxyOperations(JSON.stringify({ "imaging.describe": { target: "imaging-describe" } })),
    ).toThrow(/PLATFORM_OPERATIONS is malformed:[\s\S]*a function id in PascalCase[\s\S]*callers/);
  });
});

describe("a service's root", () => {
  const withRoot = (root: string | undefined): ServiceManifest[] =>
    samplePlatform().map((m) => (m.name === "imaging" ? { ...m, root } : m));

  it("defaults to services/<name>, and moves the handlers when given", () => {
    const handlers = (root: string | undefined) =>
      buildWiring(withRoot(root))
        .functions.filter((f) => f.service === "imaging")
        .map((f) => f.handler);
    expect(handlers(undefined)).toEqual([
      "services/imaging/src/handlers/process.handler",
      "services/imaging/src/handlers/describe.handler",
    ]);
    expect(handlers("services/invoke-proxy/test/fixtures")).toEqual([
      "services/invoke-proxy/test/fixtures/src/handlers/process.handler",
      "services/invoke-proxy/test/fixtures/src/handlers/describe.handler",
    ]);
  });

  it.each([
    ["/etc/imaging", "must be relative to the repository root, not absolute"],
    ["services/../../outside", 'must not contain "." or ".." segments'],
    ["./services/imaging", 'must not contain "." or ".." segments'],
    [
      "services//imaging",
      "must be folder names (letters, digits, _ . -) separated by single slashes",
    ],
    [
      "services/imaging/",
      "must be folder names (letters, digits, _ . -) separated by single slashes",
    ],
    [
      "services\\imaging",
      "must be folder names (letters, digits, _ . -) separated by single slashes",
    ],
    ["", "must be folder names (letters, digits, _ . -) separated by single slashes"],
  ])("refuses the root %j", (root, problem) => {
    const imaging = withRoot(root).find((m) => m.name === "imaging");
    if (!imaging) throw new Error("fixture changed");
    expect(validateService(imaging)).toEqual([`service "imaging": root "${root}" ${problem}`]);
    expect(() => buildWiring(withRoot(root))).toThrow(`root "${root}"`);
  });
});
