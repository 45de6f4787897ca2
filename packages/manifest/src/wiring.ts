import type { EventPattern } from "@platform/events";
import {
  type HttpMethod,
  type Memory,
  PROXY_FUNCTION,
  PROXY_SERVICE,
  type RetryPolicy,
  type RouteKey,
  type ScheduleExpression,
  type ServiceManifest,
  type TableSpec,
  type Timeout,
} from "./types.ts";
import { assertValidManifests } from "./validate.ts";

export const DEFAULT_MEMORY: Memory = "512 MB";
export const DEFAULT_TIMEOUT: Timeout = "30 seconds";
/** EventBridge's own default is 185 attempts over 24 h; a failing consumer should reach its DLQ sooner. */
export const DEFAULT_RETRY: RetryPolicy = { maximumRetryAttempts: 8, maximumEventAgeSeconds: 3600 };

export interface WiredFunction {
  /** Component name, unique across the platform: `ImagingProcess`. */
  id: string;
  service: string;
  key: string;
  /**
   * Handler path from the repository root: `services/imaging/src/handlers/process.handler`
   * (under the manifest's `root` when it names one).
   */
  handler: string;
  description: string;
  memory: Memory;
  timeout: Timeout;
  install: string[];
  link: string[];
  isProxy: boolean;
  /**
   * For functions that subscriptions and schedules invoke (asynchronously): where events go once
   * the handler has failed every attempt. Delivery failures go to the rule's own queue instead.
   */
  failureQueue?: string;
}

export interface WiredRule {
  id: string;
  service: string;
  subscription: string;
  description: string;
  /** Every rule lives on the platform bus; S3's events are forwarded there (see bucketEventsPattern). */
  pattern: EventPattern;
  target: string;
  retry: RetryPolicy;
  /** Dead-letter queue component name. */
  deadLetterQueue: string;
}

export interface WiredTopicSubscription {
  id: string;
  service: string;
  topic: string;
  target: string;
  filterPolicy?: Record<string, unknown>;
  filterPolicyScope: "MessageAttributes" | "MessageBody";
}

/** A scheduled rule (on the account's default bus, as schedules must be) that invokes `target`. */
export interface WiredSchedule {
  /** Component name: `AuditNightlyReport`. */
  id: string;
  service: string;
  name: string;
  description: string;
  schedule: ScheduleExpression;
  target: string;
}

export interface WiredOperation {
  name: string;
  service: string;
  target: string;
  callers: string[];
}

export interface WiredRoute {
  key: RouteKey;
  method: HttpMethod;
  path: string;
  service: string;
  target: string;
  auth: "jwt" | "public";
  scopes: string[];
}

export interface WiredTable {
  id: string;
  service: string;
  spec: TableSpec;
}

export interface WiredTopic {
  id: string;
  service: string;
  description: string;
}

/** The whole platform's wiring, derived once from the manifests; stacks and the local cloud both consume it. */
export interface Wiring {
  functions: WiredFunction[];
  rules: WiredRule[];
  topicSubscriptions: WiredTopicSubscription[];
  schedules: WiredSchedule[];
  operations: WiredOperation[];
  routes: WiredRoute[];
  tables: WiredTable[];
  topics: WiredTopic[];
  proxy: WiredFunction;
}

export function pascal(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join("");
}

export function functionId(service: string, key: string): string {
  return `${pascal(service)}${pascal(key)}`;
}

/** The folder of a service's code, relative to the repository root. */
export function serviceRoot(m: ServiceManifest): string {
  return m.root ?? `services/${m.name}`;
}

export function buildWiring(manifests: readonly ServiceManifest[]): Wiring {
  assertValidManifests(manifests);
  const functions: WiredFunction[] = [];
  const rules: WiredRule[] = [];
  const topicSubscriptions: WiredTopicSubscription[] = [];
  const schedules: WiredSchedule[] = [];
  const operations: WiredOperation[] = [];
  const routes: WiredRoute[] = [];
  const tables: WiredTable[] = [];
  const topics: WiredTopic[] = [];

  for (const m of manifests) {
    for (const [key, fn] of Object.entries(m.functions)) {
      functions.push({
        id: functionId(m.name, key),
        service: m.name,
        key,
        handler: `${serviceRoot(m)}/${fn.handler}`,
        description: fn.description,
        memory: fn.memory ?? DEFAULT_MEMORY,
        timeout: fn.timeout ?? DEFAULT_TIMEOUT,
        install: fn.install ?? [],
        link: fn.link ?? [],
        isProxy: m.name === PROXY_SERVICE && key === PROXY_FUNCTION,
      });
    }
    for (const [name, sub] of Object.entries(m.subscriptions ?? {})) {
      const id = `${pascal(m.name)}${pascal(name)}`;
      rules.push({
        id,
        service: m.name,
        subscription: name,
        description: sub.description,
        pattern: sub.events.pattern,
        target: functionId(m.name, sub.function),
        retry: sub.retry ?? DEFAULT_RETRY,
        deadLetterQueue: `${id}Dlq`,
      });
    }
    for (const [name, sub] of Object.entries(m.topicSubscriptions ?? {})) {
      topicSubscriptions.push({
        id: `${pascal(m.name)}${pascal(name)}`,
        service: m.name,
        topic: sub.topic,
        target: functionId(m.name, sub.function),
        ...(sub.filterPolicy ? { filterPolicy: sub.filterPolicy } : {}),
        filterPolicyScope: sub.filterPolicyScope ?? "MessageAttributes",
      });
    }
    for (const [name, schedule] of Object.entries(m.schedules ?? {})) {
      schedules.push({
        id: `${pascal(m.name)}${pascal(name)}`,
        service: m.name,
        name,
        description: schedule.description,
        schedule: schedule.schedule,
        target: functionId(m.name, schedule.function),
      });
    }
    for (const [name, op] of Object.entries(m.operations ?? {})) {
      operations.push({
        name,
        service: m.name,
        target: functionId(m.name, op.function),
        callers: op.callers,
      });
    }
    for (const [key, route] of Object.entries(m.routes ?? {})) {
      if (!route) continue;
      const [method, path] = key.split(" ") as [HttpMethod, string];
      routes.push({
        key: key as RouteKey,
        method,
        path,
        service: m.name,
        target: functionId(m.name, route.function),
        auth: route.auth,
        scopes: route.scopes ?? [],
      });
    }
    for (const [id, spec] of Object.entries(m.tables ?? {}))
      tables.push({ id, service: m.name, spec });
    for (const [id, topic] of Object.entries(m.topics ?? {}))
      topics.push({ id, service: m.name, description: topic.description });
  }

  for (const fn of functions) {
    const invokedAsynchronously = [...rules, ...topicSubscriptions, ...schedules].some(
      (r) => r.target === fn.id,
    );
    if (invokedAsynchronously) fn.failureQueue = `${fn.id}Failures`;
  }
  const proxy = functions.find((f) => f.isProxy);
  if (!proxy) throw new Error("unreachable: validation guarantees the proxy exists");
  return {
    functions,
    rules,
    topicSubscriptions,
    schedules,
    operations,
    routes,
    tables,
    topics,
    proxy,
  };
}

/**
 * S3 sends its events to the account's default bus, for every bucket. One rule there forwards the
 * platform bucket's object events to the platform bus, so that every subscription (and the bus's
 * archive, and replay) sees S3's events and the platform's own in one place.
 */
export const BUCKET_EVENT_TYPES = ["Object Created", "Object Deleted"] as const;

export function bucketEventsPattern(bucketName: string): EventPattern {
  return {
    source: ["aws.s3"],
    "detail-type": [...BUCKET_EVENT_TYPES],
    detail: { bucket: { name: [bucketName] } },
  };
}
