import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import ts from "typescript";

/**
 * Functions invoke each other only through the invoke-proxy: the typed client in
 * packages/invoke/src is the only code that invokes the proxy, and the proxy's own code the only
 * code that invokes targets. Anything else that reaches for the Lambda API is found here.
 */

export interface LambdaUse {
  file: string;
  line: number;
  what: string;
}

/** Where Lambda may be invoked: the client and the proxy. */
export const LAMBDA_DOORS = ["packages/invoke/src/", "services/invoke-proxy/src/"];

/** Files outside the doors that may invoke Lambda, each with its reason. Keep it short. */
export const ALLOWED_ELSEWHERE: Record<string, string> = {
  "packages/local-cloud/test/local-cloud.test.ts":
    "the local cloud's own Lambda API tests: they test Invoke itself",
  "services/invoke-proxy/bench/direct.ts":
    "the proxy benchmark's baseline invokes the target directly, to measure what the proxy adds",
};

const LAMBDA_MODULE = /^(@aws-sdk\/client-lambda|aws-sdk\/clients\/lambda|aws-sdk)(\/.*)?$/;
const INVOKE_COMMAND = /^Invoke(Async|WithResponseStream)?Command$/;
const SKIPPED_DIRS = new Set(["node_modules", ".sst", ".local", ".git"]);
const SOURCE = /\.(c|m)?(t|j)sx?$/;

/** Every import of a Lambda SDK and every use of an Invoke command in one file's code. */
export function lambdaUsesIn(source: string, fileName = "source.ts"): Omit<LambdaUse, "file">[] {
  const kind = /\.(c|m)?jsx?$/.test(fileName) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, kind);
  const uses: Omit<LambdaUse, "file">[] = [];
  const note = (node: ts.Node, what: string) =>
    uses.push({ line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1, what });
  const module = (node: ts.Node, specifier: ts.Node | undefined) => {
    if (specifier && ts.isStringLiteralLike(specifier) && LAMBDA_MODULE.test(specifier.text))
      note(node, `imports ${specifier.text}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node))
      module(node, node.moduleSpecifier);
    else if (ts.isExternalModuleReference(node)) module(node, node.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      module(node, node.argument.literal);
    else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === "require"))
    )
      module(node, node.arguments[0]);
    else if (ts.isIdentifier(node) && INVOKE_COMMAND.test(node.text))
      note(node, `uses ${node.text}`);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return uses;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    if (SKIPPED_DIRS.has(entry)) return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return SOURCE.test(entry) ? [path] : [];
  });
}

/** Every Lambda use in the repository's code, outside the doors (allowed files included). */
export function lambdaUsesOutsideDoors(root: string): LambdaUse[] {
  return sourceFiles(root).flatMap((path) => {
    const file = relative(root, path).split(sep).join("/");
    if (LAMBDA_DOORS.some((door) => file.startsWith(door))) return [];
    return lambdaUsesIn(readFileSync(path, "utf8"), file).map((use) => ({ file, ...use }));
  });
}
