// Type-checks the workspace, then sst.config.ts and stacks/ against SST's platform types.
// SST ships its platform as TypeScript source, which tsc checks along with our code and under our
// stricter options (noUncheckedIndexedAccess, verbatimModuleSyntax); errors inside .sst/ are SST's,
// not ours, so they are counted and set aside. Any error in our own files fails the check.
import { spawnSync } from "node:child_process";

const tsc = (project) =>
  spawnSync(
    process.execPath,
    ["node_modules/typescript/bin/tsc", "-p", project, "--noEmit", "--pretty", "false"],
    {
      encoding: "utf8",
    },
  );

let failed = false;
for (const project of ["tsconfig.json", "stacks/tsconfig.json"]) {
  const result = tsc(project);
  const lines = `${result.stdout}${result.stderr}`.split("\n").filter(Boolean);
  const errors = lines.filter(
    (line) => /^\S.*\(\d+,\d+\): error TS\d+/.test(line) || /^error TS\d+/.test(line),
  );
  const ours = errors.filter((line) => !line.startsWith(".sst/"));
  const theirs = errors.length - ours.length;
  if (ours.length > 0) {
    failed = true;
    // Print our errors with their continuation lines.
    let keep = false;
    for (const line of lines) {
      if (/error TS\d+/.test(line)) keep = !line.startsWith(".sst/");
      if (keep) console.error(line);
    }
  }
  if (result.status !== 0 && errors.length === 0) {
    failed = true;
    console.error(lines.join("\n"));
  }
  console.log(
    `typecheck ${project}: ${ours.length} error(s)${theirs ? ` (${theirs} inside SST's platform sources set aside)` : ""}`,
  );
}
process.exit(failed ? 1 : 0);
