import type { z } from "zod";
import type { AnyAwsContract, AnyContract, AnyPlatformContract, DetailOf } from "./contract.ts";

/** An EventBridge event pattern, as plain JSON. */
export type EventPattern = {
  source?: unknown[];
  "detail-type"?: unknown[];
  detail?: Record<string, unknown>;
  [key: string]: unknown;
};

/**
 * Which events a subscription receives. Every subscription's rule lives on the platform bus: the
 * platform's own events are published there, and S3's events are forwarded there from the
 * account's default bus, so one pattern can mix both.
 */
export interface EventSelector {
  pattern: EventPattern;
}

/** The detail a contract's events carry, which its filter is written against. */
export type FilterableDetail<C extends AnyContract> = C extends AnyPlatformContract
  ? DetailOf<C>
  : C extends AnyAwsContract
    ? z.infer<C["detail"]>
    : never;

type NumericOperator = "<" | "<=" | "=" | ">" | ">=";
type NumericRange = [NumericOperator, number] | [NumericOperator, number, NumericOperator, number];
type StringMatcher =
  | { prefix: string | { "equals-ignore-case": string } }
  | { suffix: string | { "equals-ignore-case": string } }
  | { "equals-ignore-case": string }
  | { wildcard: string };

/** One matcher in a leaf field's array: the value itself, or an EventBridge content filter. */
export type Matcher<T> =
  | T
  | { exists: boolean }
  | { "anything-but": T | T[] | (T extends string ? StringMatcher : never) }
  | (T extends string ? StringMatcher : never)
  | (T extends number ? { numeric: NumericRange } : never);

/** Arrays in events match element by element, so a field holding a list filters like one item. */
type FieldFilter<T> = [T] extends [readonly (infer Item)[]]
  ? FieldFilter<Item>
  : [T] extends [Record<string, unknown>]
    ? DetailFilter<T>
    : Matcher<T>[];

/** A detail filter shaped like the detail: nested objects for objects, matcher arrays at leaves. */
export type DetailFilter<T> = {
  [K in keyof T]?: FieldFilter<Exclude<T[K], undefined>>;
} & { $or?: DetailFilter<T>[] };

/** Events of one contract, optionally narrowed by a filter on their detail. */
export function on<const C extends AnyContract>(
  contract: C,
  filter?: DetailFilter<FilterableDetail<C>>,
): EventSelector {
  const pattern: EventPattern = { source: [contract.source], "detail-type": [contract.detailType] };
  if (filter && Object.keys(filter).length > 0) {
    assertLeavesAreArrays(filter, "detail");
    pattern.detail = structuredClone(filter);
  }
  return { pattern };
}

/** Events of any of several contracts (detail-types are unique, so this is exact). */
export function onAny(contracts: readonly [AnyContract, ...AnyContract[]]): EventSelector {
  const sources = [...new Set(contracts.map((c) => c.source))];
  const detailTypes = [...new Set(contracts.map((c) => c.detailType))];
  return { pattern: { source: sources, "detail-type": detailTypes } };
}

/** Every event any platform service publishes. */
export function onEveryPlatformEvent(): EventSelector {
  return { pattern: { source: [{ prefix: "platform." }] } };
}

// EventBridge rejects a pattern whose leaf is not a non-empty array; types catch this in TS,
// this catches it for callers whose filter was built at run time.
function assertLeavesAreArrays(filter: object, path: string): void {
  for (const [key, value] of Object.entries(filter)) {
    const at = `${path}.${key}`;
    if (Array.isArray(value)) {
      if (value.length === 0) throw new Error(`pattern field ${at} is an empty array`);
      if (key === "$or") for (const branch of value) assertLeavesAreArrays(branch, at);
    } else if (typeof value === "object" && value !== null) {
      assertLeavesAreArrays(value, at);
    } else {
      throw new Error(`pattern field ${at} must be an array of matchers or a nested object`);
    }
  }
}
