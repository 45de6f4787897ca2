import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@platform/imaging", include: ["test/**/*.test.ts"] },
});
