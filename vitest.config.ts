import { defineConfig } from "vitest/config";

// One project per package; each package also runs on its own with `npm test -w <dir>`.
export default defineConfig({
  test: {
    projects: ["packages/*", "services/*", "stacks", "test"],
    reporters: ["default", "./scripts/summary-reporter.ts"],
  },
});
