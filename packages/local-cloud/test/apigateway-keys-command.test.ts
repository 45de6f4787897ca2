import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiKeys } from "../src/apigateway/api-keys.ts";
import { ApiKeysUsageError, apiKeysCommand } from "../src/apigateway/api-keys-command.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "api-keys-command-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const run = (...argv: string[]) => apiKeysCommand(argv, dir);

describe("npm run api-keys", () => {
  it("creates a key with the default plan, prints it once, lists and revokes it", async () => {
    const output = await run("create", "--name", "erp", "--owner", "acme");
    const key = /key: ([0-9a-f]{40})/.exec(output)?.[1] ?? "";
    const id = /^created ([a-z0-9]{10}) /.exec(output)?.[1] ?? "";
    expect(output).toContain("rate=10/s burst=20 quota=10000/day  active");
    expect(await readFile(join(dir, "api-keys.json"), "utf8")).not.toContain(key);
    expect((await new ApiKeys(dir).check(key)).ok).toBe(true);

    const listed = await run("list");
    expect(listed).toContain(`${id}  erp  owner=acme`);
    expect(listed).not.toContain(key);

    expect(await run("revoke", id)).toMatch(new RegExp(`^revoked ${id} .* revoked \\d{4}-`));
    expect(await new ApiKeys(dir).check(key)).toMatchObject({ status: 403 });
  });

  it("takes the plan from --rate, --burst and --quota", async () => {
    await run(
      "create",
      "--name",
      "batch",
      "--owner",
      "acme",
      "--rate",
      "0.5",
      "--burst",
      "2",
      "--quota",
      "50",
    );
    const [key] = await new ApiKeys(dir).list();
    expect(key?.plan).toEqual({ rateLimit: 0.5, burstLimit: 2, quotaPerDay: 50 });
  });

  it("says when there are no keys", async () => {
    expect(await run("list")).toBe("no API keys");
  });

  it.each([
    [[], "missing command"],
    [["rotate"], 'unknown command "rotate"'],
    [["create", "--owner", "acme"], "create needs --name"],
    [["create", "--name", "erp"], "create needs --owner"],
    [
      ["create", "--name", "erp", "--owner", "acme", "--rate", "fast"],
      '--rate must be a positive number, not "fast"',
    ],
    [
      ["create", "--name", "erp", "--owner", "acme", "--rate", "0"],
      '--rate must be a positive number, not "0"',
    ],
    [
      ["create", "--name", "erp", "--owner", "acme", "--burst", "1.5"],
      '--burst must be a whole number, not "1.5"',
    ],
    [
      ["create", "--name", "erp", "--owner", "acme", "--quota=-3"],
      '--quota must be a positive number, not "-3"',
    ],
    [["create", "--name", "erp", "--owner", "acme", "extra"], 'unexpected argument "extra"'],
    [
      ["create", "--name", "erp", "--owner", "acme", "--colour", "red"],
      "Unknown option '--colour'",
    ],
    [["list", "--name", "erp"], "list takes no arguments"],
    [["revoke"], "revoke needs the key's id"],
    [["revoke", "a", "b"], "revoke takes only the key's id"],
    [["revoke", "nosuchkey0"], "no API key with id nosuchkey0"],
  ])("refuses %j: %s", async (argv, message) => {
    const attempt = run(...argv);
    await expect(attempt).rejects.toThrow(ApiKeysUsageError);
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.toThrow("usage:");
  });
});
