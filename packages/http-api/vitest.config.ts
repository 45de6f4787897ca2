import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@platform/http-api", include: ["test/**/*.test.ts"] },
});
