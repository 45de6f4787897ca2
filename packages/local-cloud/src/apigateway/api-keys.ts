import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { type UsageDecision, UsageMeter, type UsagePlan, validatePlan } from "./usage-plans.ts";

/** A key as stored: its SHA-256, never the key itself. */
export interface ApiKeyRecord {
  /** Ten lower-case letters and digits, like API Gateway's key ids. */
  id: string;
  name: string;
  /** Who the server-to-server client belongs to; handlers read it from the authorizer context. */
  owner: string;
  plan: UsagePlan;
  keyHash: string;
  createdAt: string;
  revokedAt?: string;
}

export type ApiKeySummary = Omit<ApiKeyRecord, "keyHash">;

/** Returned once, at creation: the only time the plain key exists outside the client. */
export interface CreatedApiKey extends ApiKeySummary {
  key: string;
}

export type ApiKeyCheck =
  | { ok: true; apiKeyId: string; owner: string }
  | { ok: false; status: 403; body: { message: "Forbidden" }; headers: Record<string, string> }
  | {
      ok: false;
      status: 429;
      /** "Too Many Requests" when throttled, "Limit Exceeded" when over the quota (API Gateway's words). */
      body: { message: "Too Many Requests" | "Limit Exceeded" };
      headers: { "retry-after": string };
    };

interface KeyFile {
  version: 1;
  keys: ApiKeyRecord[];
}

const FILE = "api-keys.json";
const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

function newId(): string {
  return [...randomBytes(10)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join("");
}

const summary = ({ keyHash: _, ...rest }: ApiKeyRecord): ApiKeySummary => rest;

/**
 * API keys of server-to-server clients, with their usage plans, in `<dataDir>/api-keys.json`.
 * The file is rewritten atomically, and re-read when another process (the api-keys command)
 * has changed it, so a key created or revoked there takes effect on a running API at once.
 * Usage (tokens, the day's count) lives in memory and restarts with the process.
 */
export class ApiKeys {
  readonly file: string;
  private keys: ApiKeyRecord[] = [];
  private loadedVersion = "";
  private readonly meters = new Map<string, UsageMeter>();
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataDir: string) {
    this.file = join(dataDir, FILE);
  }

  async create(input: { name: string; owner: string; plan: UsagePlan }): Promise<CreatedApiKey> {
    if (!input.name.trim()) throw new Error("an API key needs a name");
    if (!input.owner.trim()) throw new Error("an API key needs an owner");
    validatePlan(input.plan);
    const key = randomBytes(20).toString("hex");
    const record: ApiKeyRecord = {
      id: newId(),
      name: input.name,
      owner: input.owner,
      plan: { ...input.plan },
      keyHash: hashKey(key),
      createdAt: new Date().toISOString(),
    };
    await this.update((keys) => [...keys, record]);
    return { ...summary(record), key };
  }

  async list(): Promise<ApiKeySummary[]> {
    await this.refresh();
    return this.keys.map(summary);
  }

  /** Revoked keys stay listed, with the time they stopped working. */
  async revoke(id: string): Promise<ApiKeySummary> {
    let revoked: ApiKeyRecord | undefined;
    await this.update((keys) =>
      keys.map((k) => {
        if (k.id !== id) return k;
        revoked = { ...k, revokedAt: k.revokedAt ?? new Date().toISOString() };
        return revoked;
      }),
    );
    if (!revoked) throw new Error(`no API key with id ${id}`);
    return summary(revoked);
  }

  /** Checks a presented key against the keys and its plan, taking one request from its allowance. */
  async check(key: string, now = Date.now()): Promise<ApiKeyCheck> {
    await this.refresh();
    const hash = hashKey(key);
    const record = this.keys.find((k) => k.keyHash === hash);
    if (!record || record.revokedAt)
      return { ok: false, status: 403, body: { message: "Forbidden" }, headers: {} };
    let meter = this.meters.get(record.id);
    if (!meter) {
      meter = new UsageMeter(record.plan, now);
      this.meters.set(record.id, meter);
    }
    const decision: UsageDecision = meter.take(now);
    if (decision.ok) return { ok: true, apiKeyId: record.id, owner: record.owner };
    return {
      ok: false,
      status: 429,
      body: { message: decision.reason === "quota" ? "Limit Exceeded" : "Too Many Requests" },
      headers: { "retry-after": String(decision.retryAfterSeconds) },
    };
  }

  /** Re-reads the file when it changed since the last read (by size and modification time). */
  private async refresh(): Promise<void> {
    const version = await stat(this.file).then(
      (s) => `${s.mtimeMs}:${s.size}`,
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return "absent";
        throw error;
      },
    );
    if (version === this.loadedVersion) return;
    const data =
      version === "absent"
        ? { version: 1, keys: [] }
        : (JSON.parse(await readFile(this.file, "utf8")) as KeyFile);
    this.keys = data.keys;
    this.loadedVersion = version;
    for (const id of this.meters.keys())
      if (!this.keys.some((k) => k.id === id)) this.meters.delete(id);
  }

  /** Serialises this process's writes; each reads the latest file, changes it, and swaps it in. */
  private update(change: (keys: ApiKeyRecord[]) => ApiKeyRecord[]): Promise<void> {
    const next = this.writing.then(async () => {
      this.loadedVersion = "";
      await this.refresh();
      const file: KeyFile = { version: 1, keys: change(this.keys) };
      await writeAtomic(this.dataDir, this.file, `${JSON.stringify(file, null, 2)}\n`);
      this.loadedVersion = "";
      await this.refresh();
    });
    this.writing = next.catch(() => {});
    return next;
  }
}

/** Writes a temp file beside the target, fsyncs it and renames it over: readers see old or new. */
async function writeAtomic(dir: string, target: string, text: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${FILE}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
