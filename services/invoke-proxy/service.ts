import { defineService } from "@platform/manifest";

/**
 * The invoke-proxy: the only function allowed to invoke another. It checks each call against the
 * operations the manifests expose (and who may call them), validates input and output, and logs
 * every call in one format. Publishes proxy.invocation.completed.
 */
export default defineService({
  name: "invoke-proxy",
  description: "One door for every synchronous cross-service call.",
  functions: {
    proxy: {
      handler: "src/handlers/proxy.handler",
      description: "Allow-lists, invokes and logs one cross-service call.",
      timeout: "1 minute",
      link: ["Bus"],
    },
  },
});
