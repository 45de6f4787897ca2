import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@platform/invoke-proxy", include: ["test/**/*.test.ts"] },
});
