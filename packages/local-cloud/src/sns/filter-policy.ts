import { BlockList, isIP } from "node:net";

/**
 * SNS subscription filter policies, compiled once at Subscribe/SetSubscriptionAttributes. SNS's
 * grammar is a cousin of EventBridge's but with its own limits (5 keys, 150 combinations, no
 * nesting on attributes) and messages, so it gets its own small compiler here.
 */

export type FilterScope = "MessageAttributes" | "MessageBody";
export type Scalar = string | number | boolean | null;
export type NumericOp = "=" | "<" | "<=" | ">" | ">=";

export type Condition =
  | { kind: "equals"; value: Scalar }
  | { kind: "prefix" | "suffix" | "equals-ignore-case" | "anything-but-prefix"; value: string }
  | { kind: "anything-but"; values: Scalar[] }
  | { kind: "numeric"; checks: [NumericOp, number][] }
  | { kind: "exists"; value: boolean }
  | { kind: "cidr"; block: BlockList };

/** One key of the policy: the path to it and the conditions, any of which may match. */
export interface KeyRule {
  path: string[];
  conditions: Condition[];
}

/** `$or` expanded: the policy matches when every rule of any one branch matches. */
export type CompiledPolicy = KeyRule[][];

/** A refused policy; the message is SNS's, without the "Invalid parameter: " prefix the caller adds. */
export class FilterPolicyError extends Error {
  override readonly name = "FilterPolicyError";
}

type Json = Scalar | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const MAX_KEYS = 5;
const MAX_COMBINATIONS = 150;
const fail = (message: string): never => {
  throw new FilterPolicyError(`FilterPolicy: ${message}`);
};
const isObject = (v: Json | undefined): v is JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function compileFilterPolicy(text: string, scope: FilterScope): CompiledPolicy {
  let policy: Json;
  try {
    policy = JSON.parse(text) as Json;
  } catch {
    return fail("failed to parse JSON.");
  }
  if (!isObject(policy)) return fail("Filter policy must be a JSON object");
  const branches = walk(policy, [], scope);
  let combinations = 0;
  for (const branch of branches) {
    if (branch.length > MAX_KEYS) fail(`Filter policy can not have more than ${MAX_KEYS} keys`);
    // AWS counts each array's values times the depth of its key, multiplied across keys.
    combinations += branch.reduce((n, rule) => n * rule.conditions.length * rule.path.length, 1);
  }
  if (combinations > MAX_COMBINATIONS) fail("Filter policy is too complex");
  return branches;
}

function walk(node: JsonObject, path: string[], scope: FilterScope): CompiledPolicy {
  let branches: CompiledPolicy = [[]];
  const join = (more: CompiledPolicy) => {
    branches = branches.flatMap((b) => more.map((m) => [...b, ...m]));
  };
  for (const [key, value] of Object.entries(node)) {
    if (key === "$or") {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject))
        fail('"$or" must be an array of at least two objects');
      join((value as JsonObject[]).flatMap((alternative) => walk(alternative, path, scope)));
    } else if (Array.isArray(value)) {
      if (value.length === 0) fail("Empty arrays are not allowed");
      const rule: KeyRule = { path: [...path, key], conditions: value.map(compileCondition) };
      join([[rule]]);
    } else if (isObject(value)) {
      if (scope === "MessageAttributes")
        throw new FilterPolicyError(
          "Filter policy scope MessageAttributes does not support nested filter policy",
        );
      join(walk(value, [...path, key], scope));
    } else {
      fail(`"${key}" must be an object or an array`);
    }
  }
  return branches;
}

function compileCondition(value: Json): Condition {
  if (value === null || typeof value !== "object") return { kind: "equals", value };
  if (Array.isArray(value)) return fail("Match value must be String, number, true, false, or null");
  const keys = Object.keys(value);
  const [operator] = keys;
  if (keys.length !== 1 || operator === undefined)
    return fail("Only one key allowed in match expression");
  const operand = value[operator];
  switch (operator) {
    case "prefix":
    case "suffix":
    case "equals-ignore-case":
      if (typeof operand !== "string") fail(`${operator} match pattern must be a string`);
      return { kind: operator, value: operand as string };
    case "anything-but":
      return anythingBut(operand);
    case "exists":
      if (typeof operand !== "boolean") fail("exists match pattern must be either true or false.");
      return { kind: "exists", value: operand as boolean };
    case "numeric":
      return { kind: "numeric", checks: numericChecks(operand) };
    case "cidr":
      return { kind: "cidr", block: cidrBlock(operand) };
    default:
      return fail(`Unrecognized match type ${operator}`);
  }
}

function anythingBut(operand: Json | undefined): Condition {
  if (isObject(operand)) {
    const [inner, ...others] = Object.keys(operand);
    if (inner !== "prefix" || others.length > 0)
      fail(`Unsupported anything-but pattern: ${inner ?? ""}`);
    if (typeof operand.prefix !== "string") fail("prefix match pattern must be a string");
    return { kind: "anything-but-prefix", value: operand.prefix as string };
  }
  const values = Array.isArray(operand) ? operand : [operand];
  if (values.length === 0 || values.some((v) => v === undefined || typeof v === "object"))
    fail("Value of anything-but must be an array or single string/number value.");
  return { kind: "anything-but", values: values as Scalar[] };
}

const OPERATORS: readonly string[] = ["=", "<", "<=", ">", ">="];

/** `["=", 5]`, `[">", 0]` or a range `[">=", 0, "<", 10]`, validated as SNS does. */
function numericChecks(operand: Json | undefined): [NumericOp, number][] {
  if (!Array.isArray(operand) || operand.length === 0) fail("Invalid member in numeric match: ]");
  const terms = operand as Json[];
  const checks: [NumericOp, number][] = [];
  for (let i = 0; i < terms.length; i += 2) {
    const op = terms[i];
    const number = terms[i + 1];
    if (i === 2 && !(checks[0]?.[0] === ">" || checks[0]?.[0] === ">="))
      fail("Too many elements in numeric expression");
    if (i >= 4) fail("Too many terms in numeric range expression");
    if (typeof op !== "string")
      fail(`${i === 0 ? "Invalid member in numeric match" : "Bad value in numeric range"}: ${op}`);
    if (!OPERATORS.includes(op as string) || (i === 2 && op !== "<" && op !== "<="))
      fail(`${i === 0 ? "Unrecognized" : "Bad"} numeric range operator: ${op}`);
    if (typeof number !== "number") fail(`Value of ${op === "=" ? "equals" : op} must be numeric`);
    checks.push([op as NumericOp, number as number]);
  }
  const [low, high] = checks;
  if (low && high && high[1] <= low[1]) fail("Bottom must be less than top");
  return checks;
}

function cidrBlock(operand: Json | undefined): BlockList {
  if (typeof operand !== "string") return fail("prefix match pattern must be a string");
  const parts = operand.split("/");
  if (parts.length !== 2) fail("Malformed CIDR, one '/' required");
  const [address = "", bits = ""] = parts;
  if (!/^\d+$/.test(bits)) fail("Malformed CIDR, mask bits must be an integer");
  const family = isIP(address);
  if (family === 0 || Number(bits) > (family === 4 ? 32 : 128))
    fail(`Nonstandard IP address: ${address}`);
  const block = new BlockList();
  block.addSubnet(address, Number(bits), family === 4 ? "ipv4" : "ipv6");
  return block;
}
