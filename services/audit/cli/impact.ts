process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { operationContracts } from "@platform/events";
import { z } from "zod";
import { ledgerTable } from "../src/adapters/ledger-table.ts";
import { callsIn, formatImpact, impactReport, impactSubject, isEmpty } from "../src/impact.ts";

// `npm run impact -- <operation or service>`: who calls it, from the running local platform's ledger.

const USAGE =
  "usage: npm run impact -- <operation (imaging.describe) or service (imaging)> [--data .local]";

/** What `npm start` writes to .local/endpoints.json, as far as this command needs it. */
const Endpoints = z.object({
  endpoint: z.url(),
  services: z.object({ dynamodb: z.url() }),
  region: z.string(),
  credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
  resources: z.record(z.string(), z.object({ name: z.string().optional() })),
});

async function runningPlatform(dataDir: string) {
  const file = join(dataDir, "endpoints.json");
  const text = await readFile(file, "utf8").catch(() => {
    throw new Error(`the local platform is not running (no ${file}): start it with npm start`);
  });
  const endpoints = Endpoints.parse(JSON.parse(text));
  const health = await fetch(`${endpoints.endpoint}/_local/health`, {
    signal: AbortSignal.timeout(3_000),
  }).catch(() => undefined);
  if (!health?.ok)
    throw new Error(
      `the local platform is not running (nothing answers at ${endpoints.endpoint}): start it with npm start`,
    );
  const table = endpoints.resources.Ledger?.name;
  if (!table) throw new Error("the running platform has no audit ledger (no Ledger table)");
  const client = new DynamoDBClient({
    endpoint: endpoints.services.dynamodb,
    region: endpoints.region,
    credentials: endpoints.credentials,
  });
  return ledgerTable(DynamoDBDocumentClient.from(client), table);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { data: { type: "string" } },
  });
  const [name] = positionals;
  if (!name || positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const subject = impactSubject(
    name,
    operationContracts.map((op) => op.name),
  );
  const ledger = await runningPlatform(resolve(values.data ?? ".local"));
  const entries =
    subject.kind === "operation"
      ? await ledger.calls({ operation: subject.operation })
      : [
          ...(await Promise.all(
            subject.operations.map((operation) => ledger.calls({ operation })),
          )),
          await ledger.calls({ caller: subject.service }),
        ].flat();
  const report = impactReport(subject, callsIn(entries));
  if (isEmpty(report)) {
    console.error(`no calls through the invoke-proxy recorded for ${name}`);
    return 1;
  }
  console.log(formatImpact(report));
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
