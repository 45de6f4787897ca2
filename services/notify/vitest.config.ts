import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@platform/notify",
    include: ["test/**/*.test.ts"],
    // Short limits, so that a unit test that hangs fails at once. The integration files, which
    // drive a whole local platform, raise them for themselves (INTEGRATION in test/support).
    testTimeout: 5_000,
    hookTimeout: 10_000,
  },
});
