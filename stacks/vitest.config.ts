import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";

// SST's components and Pulumi must be one copy: the one `sst install` put in .sst/platform.
const platformModules = fileURLToPath(new URL("../.sst/platform/node_modules/", import.meta.url));

export default defineProject({
  resolve: {
    alias: {
      "@pulumi/pulumi": `${platformModules}@pulumi/pulumi`,
      "@pulumi/aws": `${platformModules}@pulumi/aws`,
    },
  },
  test: {
    name: "stacks",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
