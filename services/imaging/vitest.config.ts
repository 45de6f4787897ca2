import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@platform/imaging",
    include: ["test/**/*.test.ts"],
    // Image work and a whole local platform: generous limits for a loaded machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
