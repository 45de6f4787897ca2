import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@platform/invoke", include: ["test/**/*.test.ts"] },
});
