import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@platform/notify",
    include: ["test/**/*.test.ts"],
    // Integration tests drive a whole local platform, often several at once in one run.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
