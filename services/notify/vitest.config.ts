import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@platform/notify", include: ["test/**/*.test.ts"] },
});
