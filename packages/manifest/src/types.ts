import type { EventSelector, OperationContract } from "@platform/events";

/** Resources the platform itself provides (stacks/), which any function may link. */
export const PLATFORM_RESOURCES = ["Bus", "Uploads", "InvokeProxy"] as const;
export type PlatformResource = (typeof PLATFORM_RESOURCES)[number];

/** The invoke-proxy is the one function allowed to invoke other functions. */
export const PROXY_SERVICE = "invoke-proxy";
export const PROXY_FUNCTION = "proxy";

export type Memory = `${number} MB`;
export type Timeout =
  | `${number} second`
  | `${number} seconds`
  | `${number} minute`
  | `${number} minutes`;

export interface FunctionSpec {
  /** `src/handlers/<file>.<export>`, relative to the service's folder. */
  handler: string;
  description: string;
  memory?: Memory;
  timeout?: Timeout;
  /** Packages installed for Lambda's own platform instead of bundled (native modules such as sharp). */
  install?: string[];
  /** Platform resources and this service's own tables and topics the function may use. */
  link?: string[];
}

export interface RetryPolicy {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
}

export interface SubscriptionSpec<F extends string = string> {
  description: string;
  /** Which of this service's functions receives the events. */
  function: F;
  /** Built from contracts with `on(...)` / `onAny(...)`: never a hand-written string. */
  events: EventSelector;
  /** How EventBridge retries a failed delivery before it lands in the subscription's DLQ. */
  retry?: RetryPolicy;
}

/** A function invoked (asynchronously) by SNS for each message on a topic that passes its filter. */
export interface TopicSubscriptionSpec<F extends string = string> {
  description: string;
  /** A topic some manifest owns (under `topics`). */
  topic: string;
  function: F;
  /** An SNS filter policy, on message attributes unless `filterPolicyScope` says the body. */
  filterPolicy?: Record<string, unknown>;
  filterPolicyScope?: "MessageAttributes" | "MessageBody";
}

/** An EventBridge schedule expression, in UTC: `rate(5 minutes)`, `cron(0 3 * * ? *)`. */
export type ScheduleExpression = `rate(${string})` | `cron(${string})`;

/** A function EventBridge invokes (asynchronously) on a schedule, with a "Scheduled Event". */
export interface ScheduleSpec<F extends string = string> {
  description: string;
  function: F;
  schedule: ScheduleExpression;
}

export interface OperationSpec<F extends string = string> {
  /** The operation's contract (name, input and output schemas) from @platform/events. */
  contract: OperationContract;
  function: F;
  /** Services whose functions may call this operation through the invoke-proxy. */
  callers: string[];
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export type RouteKey = `${HttpMethod} /${string}`;

export interface RouteSpec<F extends string = string> {
  function: F;
  /** `jwt`: behind the API's JWT authorizer (the default for every route); `public`: no auth. */
  auth: "jwt" | "public";
  /** OAuth scopes the token must carry (JWT routes only). */
  scopes?: string[];
}

export type KeyType = "string" | "number" | "binary";
export interface IndexSpec {
  hashKey: string;
  rangeKey?: string;
}

export interface TableSpec {
  description: string;
  fields: Record<string, KeyType>;
  primaryIndex: IndexSpec;
  globalIndexes?: Record<string, IndexSpec>;
  /** Attribute holding an epoch-seconds expiry. */
  ttl?: string;
}

export interface TopicSpec {
  description: string;
}

export interface ServiceManifest<F extends string = string> {
  /** Folder name under services/. */
  name: string;
  description: string;
  /**
   * Where the service's code lives, relative to the repository root (default `services/<name>`).
   * Lets tests declare fixture services whose handlers live in a test folder.
   */
  root?: string;
  functions: Record<F, FunctionSpec>;
  // NoInfer: the function names come from `functions` alone, so a typo elsewhere is an error.
  subscriptions?: Record<string, SubscriptionSpec<NoInfer<F>>>;
  topicSubscriptions?: Record<string, TopicSubscriptionSpec<NoInfer<F>>>;
  schedules?: Record<string, ScheduleSpec<NoInfer<F>>>;
  operations?: Record<string, OperationSpec<NoInfer<F>>>;
  routes?: Partial<Record<RouteKey, RouteSpec<NoInfer<F>>>>;
  /** Resources this service owns; names are global, so they are prefixed by the service's domain. */
  tables?: Record<string, TableSpec>;
  topics?: Record<string, TopicSpec>;
}

/**
 * Declares a service. Plain data: importing a manifest has no side effect.
 * The type parameter makes every `function:` reference a declared function.
 */
export function defineService<const F extends string>(
  manifest: ServiceManifest<F>,
): ServiceManifest<F> {
  return manifest;
}
