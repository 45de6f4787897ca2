import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { findViolations, importsOf } from "./independence.ts";

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "independence-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const pkg = (name: string, dependencies: Record<string, string> = {}) =>
  JSON.stringify({ name, dependencies });

describe("service independence", () => {
  it("holds for this repository: no service imports another, no package imports a service", () => {
    expect(findViolations(resolve(import.meta.dirname, ".."))).toEqual([]);
  });

  it("catches a relative import into another service", () => {
    const root = tree({
      "services/a/package.json": pkg("@x/a"),
      "services/a/src/x.ts": 'import { y } from "../../b/src/y.ts";\n',
      "services/b/package.json": pkg("@x/b"),
      "services/b/src/y.ts": "export const y = 1;\n",
      "packages/events/src/index.ts": "export {};\n",
    });
    expect(findViolations(root)).toEqual([
      {
        file: "services/a/src/x.ts",
        specifier: "../../b/src/y.ts",
        reason: 'service "a" imports service "b": talk through an event or an operation',
      },
    ]);
  });

  it("catches an import by package name, a dynamic import, a dependency, and a package importing a service", () => {
    const root = tree({
      "services/a/package.json": pkg("@x/a", { "@x/b": "0.1.0" }),
      "services/a/src/x.ts": 'const m = await import("@x/b/service");\nexport { m };\n',
      "services/b/package.json": pkg("@x/b"),
      "packages/events/src/index.ts": 'export * from "../../../services/b/service.ts";\n',
    });
    expect(findViolations(root).map((v) => v.reason)).toEqual([
      'service "a" imports service "b": talk through an event or an operation',
      'a shared package imports service "b"',
      'depends on service "b"',
    ]);
  });

  it("allows a service its own files and the shared packages", () => {
    const root = tree({
      "services/a/package.json": pkg("@x/a", { "@x/events": "0.1.0" }),
      "services/a/src/x.ts":
        'import { e } from "@x/events";\nimport { z } from "./z.ts";\nexport { e, z };\n',
      "services/a/src/z.ts": "export const z = 1;\n",
      "packages/events/package.json": pkg("@x/events"),
      "packages/events/src/index.ts": "export const e = 1;\n",
    });
    expect(findViolations(root)).toEqual([]);
  });

  it("reads static, side-effect, re-export, dynamic and require imports", () => {
    const source = `import a from "a";\nimport "b";\nexport { c } from "c";\nawait import("d");\nrequire("e");\nimport type { F } from "f";\n`;
    expect(importsOf(source)).toEqual(["a", "b", "c", "d", "e", "f"]);
  });
});
