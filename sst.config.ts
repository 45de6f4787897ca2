/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  app(input) {
    return {
      name: "file-platform",
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
      home: "aws",
    };
  },
  async run() {
    const { platform } = await import("./stacks/index.ts");
    const { manifests } = await import("./stacks/manifests.ts");
    const { readConfig } = await import("./stacks/config.ts");
    return platform(manifests, readConfig(process.env));
  },
});
