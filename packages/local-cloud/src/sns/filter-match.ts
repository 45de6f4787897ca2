import type { BlockList } from "node:net";
import type { CompiledPolicy, Condition, KeyRule, Scalar } from "./filter-policy.ts";
import type { MessageAttributes } from "./message-attributes.ts";

/** The values a message holds at a policy key's path: none when the key is absent. */
export type ValuesAt = (path: string[]) => Scalar[];

export function matchesPolicy(policy: CompiledPolicy, valuesAt: ValuesAt): boolean {
  return policy.some((branch) => branch.every((rule) => matchesRule(rule, valuesAt(rule.path))));
}

/** A key matches when any of its conditions does; a value list (String.Array, JSON array) when any element does. */
function matchesRule(rule: KeyRule, values: Scalar[]): boolean {
  return rule.conditions.some((c) =>
    c.kind === "exists" ? c.value === values.length > 0 : values.some((v) => matches(c, v)),
  );
}

// SNS compares numbers to five decimal places.
const sameNumber = (a: number, b: number) => Math.round(a * 1e5) === Math.round(b * 1e5);

function equal(a: Scalar, b: Scalar): boolean {
  return typeof a === "number" && typeof b === "number" ? sameNumber(a, b) : a === b;
}

function matches(condition: Condition, value: Scalar): boolean {
  switch (condition.kind) {
    case "equals":
      return equal(condition.value, value);
    case "anything-but":
      return !condition.values.some((v) => equal(v, value));
    case "numeric":
      return (
        typeof value === "number" && condition.checks.every(([op, n]) => compare(op, value, n))
      );
    case "exists":
      return true;
  }
  if (typeof value !== "string") return false;
  switch (condition.kind) {
    case "prefix":
      return value.startsWith(condition.value);
    case "suffix":
      return value.endsWith(condition.value);
    case "equals-ignore-case":
      return value.toLowerCase() === condition.value.toLowerCase();
    case "anything-but-prefix":
      return !value.startsWith(condition.value);
    case "cidr":
      return ipMatches(condition.block, value);
  }
}

function compare(op: string, value: number, operand: number): boolean {
  if (op === "=") return sameNumber(value, operand);
  if (op === "<") return value < operand;
  if (op === "<=") return value <= operand;
  if (op === ">") return value > operand;
  return value >= operand;
}

function ipMatches(block: BlockList, value: string): boolean {
  const family = value.includes(":") ? "ipv6" : "ipv4";
  try {
    return block.check(value, family);
  } catch {
    return false;
  }
}

/**
 * Attribute scope: a String attribute is a string, a Number one a number, a String.Array its
 * elements; Binary attributes are not compared, as SNS ignores them in filtering.
 */
export function attributeValues(attributes: MessageAttributes): ValuesAt {
  return ([name]) => {
    const attribute = name === undefined ? undefined : attributes.get(name);
    if (!attribute) return [];
    const base = attribute.type.split(".")[0];
    if (attribute.type === "String.Array") {
      const elements = JSON.parse(attribute.value) as unknown[];
      return elements.filter(isScalar);
    }
    if (base === "Number") return [Number(attribute.value)];
    if (base === "String") return [attribute.value];
    return [];
  };
}

/**
 * Body scope: arrays on the way are searched element by element. A message that is not a JSON
 * object matches no body policy at all (undefined), not even `exists: false`.
 */
export function bodyValues(message: string): ValuesAt | undefined {
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  return (path) => collect(body, path);
}

function collect(node: unknown, path: string[]): Scalar[] {
  if (Array.isArray(node)) return node.flatMap((element) => collect(element, path));
  if (path.length === 0) return isScalar(node) ? [node] : [];
  const [key, ...rest] = path;
  if (typeof node !== "object" || node === null || key === undefined || !Object.hasOwn(node, key))
    return [];
  return collect((node as Record<string, unknown>)[key], rest);
}

const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
