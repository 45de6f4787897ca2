import { DescribeImage, FileReady, on } from "@platform/events";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  bucketEventsPattern,
  buildWiring,
  DEFAULT_MEMORY,
  DEFAULT_RETRY,
  defineService,
  functionId,
  ManifestError,
} from "../src/index.ts";
import { samplePlatform } from "./fixtures.ts";

describe("buildWiring", () => {
  const wiring = buildWiring(samplePlatform());

  it("names every function after its service and key, with handler paths from the repository root", () => {
    expect(wiring.functions.map((f) => [f.id, f.handler])).toEqual([
      ["CallerApi", "services/caller/src/handlers/api.handler"],
      ["ImagingProcess", "services/imaging/src/handlers/process.handler"],
      ["ImagingDescribe", "services/imaging/src/handlers/describe.handler"],
      ["InvokeProxyProxy", "services/invoke-proxy/src/handlers/proxy.handler"],
    ]);
    expect(functionId("chat-profile", "on-ready")).toBe("ChatProfileOnReady");
  });

  it("fills defaults and keeps what the manifest says", () => {
    const process = wiring.functions.find((f) => f.id === "ImagingProcess");
    const api = wiring.functions.find((f) => f.id === "CallerApi");
    expect(process).toMatchObject({
      memory: "2048 MB",
      timeout: "30 seconds",
      install: ["sharp"],
      link: [],
    });
    expect(api?.memory).toBe(DEFAULT_MEMORY);
  });

  it("turns each subscription into one rule with its pattern, target, retry policy and DLQ", () => {
    expect(wiring.rules).toEqual([
      {
        id: "ImagingOnReady",
        service: "imaging",
        subscription: "onReady",
        description: "ready",
        pattern: on(FileReady).pattern,
        target: "ImagingProcess",
        retry: DEFAULT_RETRY,
        deadLetterQueue: "ImagingOnReadyDlq",
      },
    ]);
  });

  it("gives every subscription target, and only them, a queue for events its handler keeps failing", () => {
    expect(
      wiring.functions.filter((f) => f.failureQueue).map((f) => [f.id, f.failureQueue]),
    ).toEqual([["ImagingProcess", "ImagingProcessFailures"]]);
  });

  it("lists operations with their target and callers, routes with their auth", () => {
    expect(wiring.operations).toEqual([
      {
        name: "imaging.describe",
        service: "imaging",
        target: "ImagingDescribe",
        callers: ["caller"],
      },
    ]);
    expect(wiring.routes.map((r) => [r.method, r.path, r.auth, r.scopes])).toEqual([
      ["GET", "/health", "public", []],
      ["POST", "/things", "jwt", ["things:write"]],
    ]);
    expect(wiring.proxy.id).toBe("InvokeProxyProxy");
    expect(wiring.proxy.isProxy).toBe(true);
    expect(wiring.tables.map((t) => t.id)).toEqual(["CallerFiles"]);
  });

  it("refuses to wire invalid manifests", () => {
    const broken = samplePlatform();
    broken.pop();
    expect(() => buildWiring(broken)).toThrow(ManifestError);
  });

  it("forwards only the platform bucket's object events", () => {
    expect(bucketEventsPattern("uploads-123")).toEqual({
      source: ["aws.s3"],
      "detail-type": ["Object Created", "Object Deleted"],
      detail: { bucket: { name: ["uploads-123"] } },
    });
  });
});

describe("topic subscriptions", () => {
  it("are wired with their filter, and give their function a failure queue", () => {
    const platform = samplePlatform();
    const caller = platform.find((m) => m.name === "caller");
    const imaging = platform.find((m) => m.name === "imaging");
    if (!caller || !imaging) throw new Error("fixture changed");
    caller.topics = { CallerNotices: { description: "notices" } };
    imaging.topicSubscriptions = {
      notices: {
        description: "n",
        topic: "CallerNotices",
        function: "describe",
        filterPolicy: { kind: ["x"] },
      },
    };
    const wiring = buildWiring(platform);
    expect(wiring.topicSubscriptions).toEqual([
      {
        id: "ImagingNotices",
        service: "imaging",
        topic: "CallerNotices",
        target: "ImagingDescribe",
        filterPolicy: { kind: ["x"] },
        filterPolicyScope: "MessageAttributes",
      },
    ]);
    expect(wiring.functions.find((f) => f.id === "ImagingDescribe")?.failureQueue).toBe(
      "ImagingDescribeFailures",
    );
  });
});

describe("schedules", () => {
  it("are wired with their expression and target, and give their function a failure queue", () => {
    const platform = samplePlatform();
    const imaging = platform.find((m) => m.name === "imaging");
    if (!imaging) throw new Error("fixture changed");
    imaging.schedules = {
      "nightly-sweep": {
        description: "sweeps",
        function: "describe",
        schedule: "cron(0 3 * * ? *)",
      },
    };
    const wiring = buildWiring(platform);
    expect(wiring.schedules).toEqual([
      {
        id: "ImagingNightlySweep",
        service: "imaging",
        name: "nightly-sweep",
        description: "sweeps",
        schedule: "cron(0 3 * * ? *)",
        target: "ImagingDescribe",
      },
    ]);
    expect(wiring.functions.find((f) => f.id === "ImagingDescribe")?.failureQueue).toBe(
      "ImagingDescribeFailures",
    );
  });

  it("are none for manifests that declare none", () => {
    expect(buildWiring(samplePlatform()).schedules).toEqual([]);
  });
});

describe("defineService", () => {
  it("only lets a subscription, an operation, a route or a schedule name a declared function", () => {
    const manifest = defineService({
      name: "typed",
      description: "t",
      functions: { a: { handler: "src/handlers/a.handler", description: "a" } },
      subscriptions: {
        // @ts-expect-error "b" is not one of the declared functions
        s: { description: "s", function: "b", events: on(FileReady) },
      },
      operations: {
        // @ts-expect-error nor here
        "typed.x": { contract: DescribeImage, function: "nope", callers: [] },
      },
      // @ts-expect-error a route key must be "<METHOD> /<path>"
      routes: { "/health": { function: "a", auth: "public" } },
      schedules: {
        // @ts-expect-error a schedule must be rate(...) or cron(...)
        often: { description: "o", function: "a", schedule: "every minute" },
        // @ts-expect-error and name a declared function
        daily: { description: "d", function: "c", schedule: "rate(1 day)" },
      },
    });
    expectTypeOf(manifest.functions).toHaveProperty("a");
    // The same mistakes are caught at run time for manifests built without the types.
    expect(() => buildWiring([manifest, ...samplePlatform()])).toThrow(
      /function "b" is not declared/,
    );
  });
});
