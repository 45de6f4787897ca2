import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ALLOWED_ELSEWHERE, lambdaUsesIn, lambdaUsesOutsideDoors } from "./lambda-door.ts";

const root = resolve(import.meta.dirname, "..");

describe("nothing but the client and the proxy invokes Lambda", () => {
  it("holds for this repository, but for the allow-listed files", () => {
    const uses = lambdaUsesOutsideDoors(root).filter((use) => !(use.file in ALLOWED_ELSEWHERE));
    expect(uses).toEqual([]);
  });

  it("allows only files that still need it, each with its reason", () => {
    const files = new Set(lambdaUsesOutsideDoors(root).map((use) => use.file));
    for (const [file, reason] of Object.entries(ALLOWED_ELSEWHERE)) {
      expect(files.has(file), `${file} no longer invokes Lambda: drop it from the list`).toBe(true);
      expect(reason.length).toBeGreaterThan(20);
    }
  });
});

describe("the scanner", () => {
  it("catches every way of reaching the Lambda SDK and its Invoke commands", () => {
    const source = [
      'import { InvokeCommand as Call, LambdaClient } from "@aws-sdk/client-lambda";',
      'import type { InvokeCommandOutput } from "@aws-sdk/client-lambda";',
      'const sdk = require("@aws-sdk/client-lambda");',
      'const later = await import("@aws-sdk/client-lambda");',
      'export * from "@aws-sdk/client-lambda";',
      "new sdk.InvokeAsyncCommand({});",
      'import AWS = require("aws-sdk");',
      'type Out = import("@aws-sdk/client-lambda").InvokeCommandOutput;',
      "client.send(new shared.InvokeWithResponseStreamCommand({}));",
    ].join("\n");
    expect(lambdaUsesIn(source)).toEqual([
      { line: 1, what: "imports @aws-sdk/client-lambda" },
      { line: 1, what: "uses InvokeCommand" },
      { line: 2, what: "imports @aws-sdk/client-lambda" },
      { line: 3, what: "imports @aws-sdk/client-lambda" },
      { line: 4, what: "imports @aws-sdk/client-lambda" },
      { line: 5, what: "imports @aws-sdk/client-lambda" },
      { line: 6, what: "uses InvokeAsyncCommand" },
      { line: 7, what: "imports aws-sdk" },
      { line: 8, what: "imports @aws-sdk/client-lambda" },
      { line: 9, what: "uses InvokeWithResponseStreamCommand" },
    ]);
  });

  it("reads plain JavaScript too, and ignores mentions in comments and strings", () => {
    const js = 'const { InvokeCommand } = require("@aws-sdk/client-lambda");\n';
    expect(lambdaUsesIn(js, "tool.mjs").map((use) => use.what)).toEqual([
      "uses InvokeCommand",
      "imports @aws-sdk/client-lambda",
    ]);
    const harmless = [
      "// InvokeCommand is only sent by the client",
      'const note = "import { InvokeCommand } from \\"@aws-sdk/client-lambda\\"";',
      'import { S3Client } from "@aws-sdk/client-s3";',
      'import { x } from "@aws-sdk/client-lambda-like";',
    ].join("\n");
    expect(lambdaUsesIn(harmless)).toEqual([]);
  });

  it("walks every source file but node_modules, .sst, .local and the doors themselves", () => {
    const tree = mkdtempSync(join(tmpdir(), "lambda-door-"));
    const files: Record<string, string> = {
      "services/a/src/call.ts": 'import { InvokeCommand } from "@aws-sdk/client-lambda";\n',
      "scripts/poke.mjs": 'await import("@aws-sdk/client-lambda");\n',
      "packages/invoke/src/client.ts": 'import "@aws-sdk/client-lambda";\n',
      "services/invoke-proxy/src/adapters/target.ts": 'import "@aws-sdk/client-lambda";\n',
      "node_modules/x/index.js": 'require("@aws-sdk/client-lambda");\n',
      ".sst/platform/a.ts": 'import "@aws-sdk/client-lambda";\n',
      ".local/a.mjs": 'import "@aws-sdk/client-lambda";\n',
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(tree, path)), { recursive: true });
      writeFileSync(join(tree, path), content);
    }
    expect(lambdaUsesOutsideDoors(tree)).toEqual([
      { file: "scripts/poke.mjs", line: 1, what: "imports @aws-sdk/client-lambda" },
      { file: "services/a/src/call.ts", line: 1, what: "imports @aws-sdk/client-lambda" },
      { file: "services/a/src/call.ts", line: 1, what: "uses InvokeCommand" },
    ]);
  });
});
