import { DescribeImage, FileReady, on } from "@platform/events";
import { defineService, type ServiceManifest } from "../src/index.ts";

/** A small, valid platform: a caller, a target with an operation and a subscription, and the proxy. */
export function samplePlatform(): ServiceManifest[] {
  const caller = defineService({
    name: "caller",
    description: "Calls imaging.describe.",
    functions: {
      api: {
        handler: "src/handlers/api.handler",
        description: "API",
        link: ["InvokeProxy", "CallerFiles"],
      },
    },
    routes: {
      "GET /health": { function: "api", auth: "public" },
      "POST /things": { function: "api", auth: "jwt", scopes: ["things:write"] },
    },
    tables: {
      CallerFiles: {
        description: "files",
        fields: { id: "string" },
        primaryIndex: { hashKey: "id" },
      },
    },
  });
  const imaging = defineService({
    name: "imaging",
    description: "Target.",
    functions: {
      process: {
        handler: "src/handlers/process.handler",
        description: "p",
        memory: "2048 MB",
        install: ["sharp"],
      },
      describe: { handler: "src/handlers/describe.handler", description: "d" },
    },
    subscriptions: {
      onReady: { description: "ready", function: "process", events: on(FileReady) },
    },
    operations: {
      "imaging.describe": { contract: DescribeImage, function: "describe", callers: ["caller"] },
    },
  });
  const proxy = defineService({
    name: "invoke-proxy",
    description: "Proxy.",
    functions: {
      proxy: { handler: "src/handlers/proxy.handler", description: "proxy", link: ["Bus"] },
    },
  });
  return [caller, imaging, proxy];
}
