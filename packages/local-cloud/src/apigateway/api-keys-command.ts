import { parseArgs } from "node:util";
import { type ApiKeySummary, ApiKeys } from "./api-keys.ts";

export const API_KEYS_USAGE = `usage:
  npm run api-keys -- create --name <name> --owner <owner> [--rate 10] [--burst 20] [--quota 10000]
  npm run api-keys -- list
  npm run api-keys -- revoke <id>

  --rate   requests per second (the steady rate)
  --burst  requests at once after a quiet spell
  --quota  requests per UTC day`;

/** A mistake in the command line: the caller prints the message (usage included) and exits 2. */
export class ApiKeysUsageError extends Error {
  override readonly name = "ApiKeysUsageError";
  constructor(problem: string) {
    super(`${problem}\n${API_KEYS_USAGE}`);
  }
}

function number(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed <= 0)
    throw new ApiKeysUsageError(`--${option} must be a positive number, not "${value}"`);
  if (option !== "rate" && !Number.isInteger(parsed))
    throw new ApiKeysUsageError(`--${option} must be a whole number, not "${value}"`);
  return parsed;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: "string" },
        owner: { type: "string" },
        rate: { type: "string" },
        burst: { type: "string" },
        quota: { type: "string" },
      },
    });
  } catch (error) {
    throw new ApiKeysUsageError((error as Error).message);
  }
}

function describe(key: ApiKeySummary): string {
  const { rateLimit, burstLimit, quotaPerDay } = key.plan;
  const state = key.revokedAt ? `revoked ${key.revokedAt}` : "active";
  return `${key.id}  ${key.name}  owner=${key.owner}  rate=${rateLimit}/s burst=${burstLimit} quota=${quotaPerDay}/day  ${state}`;
}

/** `api-keys create | list | revoke`: returns what to print; throws ApiKeysUsageError on bad arguments. */
export async function apiKeysCommand(argv: string[], dataDir: string): Promise<string> {
  const { values, positionals } = parse(argv);
  const [command, ...rest] = positionals;
  const keys = new ApiKeys(dataDir);
  const anyOption = Object.values(values).some((value) => value !== undefined);

  switch (command) {
    case "create": {
      if (rest.length > 0) throw new ApiKeysUsageError(`unexpected argument "${rest[0]}"`);
      if (!values.name?.trim()) throw new ApiKeysUsageError("create needs --name");
      if (!values.owner?.trim()) throw new ApiKeysUsageError("create needs --owner");
      const plan = {
        rateLimit: number("rate", values.rate, 10),
        burstLimit: number("burst", values.burst, 20),
        quotaPerDay: number("quota", values.quota, 10_000),
      };
      const created = await keys.create({ name: values.name, owner: values.owner, plan });
      return [
        `created ${describe(created)}`,
        "",
        `  key: ${created.key}`,
        "",
        "Send it as the x-api-key header. It is shown only now: the file keeps its SHA-256 alone.",
      ].join("\n");
    }
    case "list": {
      if (rest.length > 0 || anyOption) throw new ApiKeysUsageError("list takes no arguments");
      const all = await keys.list();
      return all.length === 0 ? "no API keys" : all.map(describe).join("\n");
    }
    case "revoke": {
      const [id, ...extra] = rest;
      if (!id) throw new ApiKeysUsageError("revoke needs the key's id");
      if (extra.length > 0 || anyOption)
        throw new ApiKeysUsageError("revoke takes only the key's id");
      if (!(await keys.list()).some((k) => k.id === id))
        throw new ApiKeysUsageError(`no API key with id ${id} (see: npm run api-keys -- list)`);
      return `revoked ${describe(await keys.revoke(id))}`;
    }
    case undefined:
      throw new ApiKeysUsageError("missing command");
    default:
      throw new ApiKeysUsageError(`unknown command "${command}"`);
  }
}
