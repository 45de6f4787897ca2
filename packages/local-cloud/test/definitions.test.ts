import { buildWiring, defineService } from "@platform/manifest";
import { describe, expect, it } from "vitest";
import { functionDefinitions } from "../src/lambda/definitions.ts";
import { resourceNames } from "../src/names.ts";
import { REPOSITORY_ROOT, testPlatformManifests } from "../src/testing.ts";

const sender = defineService({
  name: "sender",
  description: "calls out to the internet",
  functions: { send: { handler: "src/handlers/send.handler", description: "s" } },
});

describe("function environments", () => {
  it("tell every function, the proxy included, that it runs locally", () => {
    const wiring = buildWiring(testPlatformManifests([sender]));
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
    expect(functions.map((f) => f.name)).toEqual(["SenderSend", "t-test-invoke-proxy"]);
    expect(functions.map((f) => f.environment.PLATFORM_RUNTIME)).toEqual(["local", "local"]);
  });
});
