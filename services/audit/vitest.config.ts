import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@platform/audit", include: ["test/**/*.test.ts"] },
});
