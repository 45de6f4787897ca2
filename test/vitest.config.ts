import { defineProject } from "vitest/config";

export default defineProject({
  // Repository-wide checks, and the whole platform end to end (a local cloud per file).
  test: { name: "repo", include: ["**/*.test.ts"], testTimeout: 60_000, hookTimeout: 120_000 },
});
