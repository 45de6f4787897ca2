import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@platform/upload", include: ["test/**/*.test.ts"] },
});
