import { operationContracts } from "@platform/events";
import { scheduleExpressionProblem } from "./schedule.ts";
import {
  PLATFORM_RESOURCES,
  PROXY_FUNCTION,
  PROXY_SERVICE,
  type ServiceManifest,
} from "./types.ts";

export class ManifestError extends Error {
  override readonly name = "ManifestError";
  constructor(readonly problems: string[]) {
    super(`invalid service manifests:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const SERVICE_NAME = /^[a-z][a-z0-9-]*$/;
const HANDLER = /^src\/handlers\/[a-zA-Z0-9_-]+\.[a-zA-Z_$][a-zA-Z0-9_$]*$/;
const RESOURCE_NAME = /^[A-Z][a-zA-Z0-9]*$/;
const ROUTE = /^(GET|POST|PUT|PATCH|DELETE) \/[a-zA-Z0-9/{}_.-]*$/;
const ROOT_SEGMENT = /^[a-zA-Z0-9_.-]+$/;

/** Why a service's `root` is not a folder inside the repository, if it is not. */
function rootProblem(root: string): string | undefined {
  if (root.startsWith("/")) return "must be relative to the repository root, not absolute";
  const segments = root.split("/");
  if (segments.some((s) => s === ".." || s === ".")) return 'must not contain "." or ".." segments';
  if (!segments.every((s) => ROOT_SEGMENT.test(s)))
    return "must be folder names (letters, digits, _ . -) separated by single slashes";
  return undefined;
}

/**
 * What one manifest gets wrong on its own: undeclared functions, malformed handlers and routes,
 * links to resources it does not own, impossible retry policies and schedules, tables keyed on
 * missing fields.
 * `owners` (resource -> service) only sharpens the message for a link to another service's resource.
 */
export function validateService(m: ServiceManifest, owners = new Map<string, string>()): string[] {
  const problems: string[] = [];
  const where = `service "${m.name}"`;
  const declared = (fn: string) => Object.hasOwn(m.functions, fn);
  const own = [...Object.keys(m.tables ?? {}), ...Object.keys(m.topics ?? {})];

  if (!SERVICE_NAME.test(m.name)) problems.push(`${where}: name must be kebab-case`);
  const rootIssue = m.root === undefined ? undefined : rootProblem(m.root);
  if (rootIssue) problems.push(`${where}: root "${m.root}" ${rootIssue}`);
  for (const id of own)
    if (!RESOURCE_NAME.test(id)) problems.push(`${where}: resource "${id}" must be PascalCase`);
  for (const [key, fn] of Object.entries(m.functions)) {
    if (!HANDLER.test(fn.handler))
      problems.push(
        `${where}, function "${key}": handler "${fn.handler}" must look like src/handlers/<file>.<export>`,
      );
    for (const link of fn.link ?? []) {
      if (PLATFORM_RESOURCES.includes(link as never) || own.includes(link)) continue;
      const owner = owners.get(link);
      problems.push(
        owner
          ? `${where}, function "${key}": links "${link}", which belongs to service "${owner}" (ask it through an event or an operation)`
          : `${where}, function "${key}": links unknown resource "${link}"`,
      );
    }
  }
  for (const [name, sub] of Object.entries(m.subscriptions ?? {})) {
    const at = `${where}, subscription "${name}"`;
    if (!declared(sub.function))
      problems.push(`${at}: handler function "${sub.function}" is not declared`);
    const retry = sub.retry;
    if (retry && (retry.maximumRetryAttempts < 0 || retry.maximumRetryAttempts > 185))
      problems.push(`${at}: maximumRetryAttempts must be 0..185`);
    if (retry && (retry.maximumEventAgeSeconds < 60 || retry.maximumEventAgeSeconds > 86400))
      problems.push(`${at}: maximumEventAgeSeconds must be 60..86400`);
  }
  for (const [name, sub] of Object.entries(m.topicSubscriptions ?? {})) {
    if (!declared(sub.function))
      problems.push(
        `${where}, topic subscription "${name}": handler function "${sub.function}" is not declared`,
      );
  }
  for (const [name, schedule] of Object.entries(m.schedules ?? {})) {
    const at = `${where}, schedule "${name}"`;
    if (!declared(schedule.function))
      problems.push(`${at}: function "${schedule.function}" is not declared`);
    const problem = scheduleExpressionProblem(schedule.schedule);
    if (problem) problems.push(`${at}: "${schedule.schedule}" ${problem}`);
  }
  for (const [name, op] of Object.entries(m.operations ?? {})) {
    const at = `${where}, operation "${name}"`;
    if (!declared(op.function)) problems.push(`${at}: function "${op.function}" is not declared`);
    if (op.contract.name !== name) problems.push(`${at}: contract is "${op.contract.name}"`);
    // The proxy and the typed client find contracts there, by name.
    if (!(operationContracts as readonly unknown[]).includes(op.contract))
      problems.push(`${at}: its contract is not listed in operationContracts (@platform/events)`);
    if (!name.startsWith(`${m.name}.`)) problems.push(`${at}: name must start with "${m.name}."`);
  }
  for (const [key, route] of Object.entries(m.routes ?? {})) {
    if (!route) continue;
    const at = `${where}, route "${key}"`;
    if (!ROUTE.test(key)) problems.push(`${at}: must be "<METHOD> /<path>"`);
    if (!declared(route.function))
      problems.push(`${at}: function "${route.function}" is not declared`);
    if (route.auth === "public" && route.scopes?.length)
      problems.push(`${at}: a public route cannot require scopes`);
  }
  for (const [id, table] of Object.entries(m.tables ?? {})) {
    const keys = [table.primaryIndex, ...Object.values(table.globalIndexes ?? {})].flatMap((i) =>
      i.rangeKey ? [i.hashKey, i.rangeKey] : [i.hashKey],
    );
    for (const k of keys)
      if (!(k in table.fields))
        problems.push(`${where}, table "${id}": key "${k}" is not in fields`);
  }
  return problems;
}

/** Every problem across all manifests, so one run shows them all. Empty when the platform is sound. */
export function validateManifests(manifests: readonly ServiceManifest[]): string[] {
  const problems: string[] = [];
  const services = new Set<string>();
  const owners = new Map<string, string>();
  const operations = new Map<string, string>();
  const routes = new Map<string, string>();

  for (const m of manifests) {
    if (services.has(m.name)) problems.push(`service "${m.name}" is declared twice`);
    services.add(m.name);
    for (const id of [...Object.keys(m.tables ?? {}), ...Object.keys(m.topics ?? {})]) {
      const owner =
        owners.get(id) ?? (PLATFORM_RESOURCES.includes(id as never) ? "the platform" : undefined);
      if (owner)
        problems.push(`service "${m.name}": resource "${id}" is already owned by ${owner}`);
      owners.set(id, m.name);
    }
  }
  if (!manifests.some((m) => m.name === PROXY_SERVICE && PROXY_FUNCTION in m.functions)) {
    problems.push(
      `no "${PROXY_SERVICE}" service with a "${PROXY_FUNCTION}" function: cross-service calls have no door`,
    );
  }

  for (const m of manifests) {
    problems.push(...validateService(m, owners));
    for (const [name, op] of Object.entries(m.operations ?? {})) {
      const at = `service "${m.name}", operation "${name}"`;
      if (operations.has(name))
        problems.push(`${at}: also exposed by service "${operations.get(name)}"`);
      operations.set(name, m.name);
      for (const caller of op.callers) {
        const known = manifests.find((other) => other.name === caller);
        if (!known) problems.push(`${at}: unknown caller "${caller}"`);
        else if (!Object.values(known.functions).some((f) => f.link?.includes("InvokeProxy")))
          problems.push(`${at}: caller "${caller}" has no function linked to InvokeProxy`);
      }
    }
    for (const [name, sub] of Object.entries(m.topicSubscriptions ?? {})) {
      if (!manifests.some((other) => Object.hasOwn(other.topics ?? {}, sub.topic)))
        problems.push(
          `service "${m.name}", topic subscription "${name}": no manifest owns a topic "${sub.topic}"`,
        );
    }
    for (const key of Object.keys(m.routes ?? {})) {
      if (routes.has(key))
        problems.push(
          `service "${m.name}", route "${key}": also served by service "${routes.get(key)}"`,
        );
      routes.set(key, m.name);
    }
  }
  return problems;
}

export function assertValidManifests(manifests: readonly ServiceManifest[]): void {
  const problems = validateManifests(manifests);
  if (problems.length > 0) throw new ManifestError(problems);
}
