import { InvalidEventPatternError } from "./errors.ts";
import { FieldMatcher, flagsOf } from "./field-matcher.ts";
import { exactIpRange } from "./ip.ts";
import { isNumericToken, JsonTokens } from "./json-tokens.ts";
import { CompiledPattern } from "./match.ts";
import { parseMatchExpression } from "./match-expression.ts";
import { comparableKey } from "./numbers.ts";
import type { ValuePattern } from "./value-patterns.ts";
import {
  TOO_COMPLEX,
  WILDCARD_COMPLEXITY_LIMIT,
  wildcardComplexity,
} from "./wildcard-complexity.ts";

/** One `$or` alternative being built: field path → its alternatives. */
type SubRule = Map<string, readonly ValuePattern[]>;

// Operator names (and some event-ruler keeps for later) may not be field names inside `$or`.
const RESERVED_IN_OR = new Set(
  (
    "exactly equals-ignore-case prefix suffix anything-but exists wildcard numeric cidr = < <= > >= " +
    "regex not-wildcard not-equals-ignore-case date-after date-on-or-after date-before " +
    "date-on-or-before in-date-range ip-address-in-range ip-address-not-in-range"
  ).split(" "),
);

/**
 * Validates an event pattern the way EventBridge does (its event-ruler compiler, read token by
 * token, first error wins) and compiles it. A string is read as sent; an object is sent as
 * JSON.stringify would send it. Repeated keys: the last one wins.
 */
export function compilePattern(pattern: string | object): CompiledPattern {
  const source = typeof pattern === "string" ? pattern : (JSON.stringify(pattern) ?? "null");
  const tokens = new JsonTokens(source);
  if (tokens.next() !== "START_OBJECT") tokens.fail("Filter is not an object");
  const subRules: SubRule[] = [];
  parseObject(subRules, [], tokens, false);
  // event-ruler stops reading here: anything after the closing brace is ignored.
  return finish(source, subRules);
}

function parseObject(
  subRules: SubRule[],
  path: readonly string[],
  tokens: JsonTokens,
  insideOr: boolean,
): void {
  let fieldsPresent = false;
  while (tokens.next() !== "END_OBJECT") {
    fieldsPresent = true;
    const name = tokens.fieldName();
    if (name === "$or") {
      parseOr(subRules, path, tokens);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(name)) {
      tokens.fail(`${name} is Ruler reserved fieldName which cannot be used inside $or.`);
    }
    const token = tokens.next();
    if (token === "START_OBJECT") parseObject(subRules, [...path, name], tokens, insideOr);
    else if (token === "START_ARRAY") parseField(subRules, [...path, name].join("."), tokens);
    else tokens.fail(`"${name}" must be an object or an array`);
  }
  if (!fieldsPresent) tokens.fail("Empty objects are not allowed");
}

/** Each `$or` branch continues every sub-rule built so far; fields after it join them all. */
function parseOr(subRules: SubRule[], path: readonly string[], tokens: JsonTokens): void {
  const before = subRules.map((rule) => new Map(rule));
  subRules.length = 0;
  if (tokens.next() !== "START_ARRAY") tokens.fail("It must be an Array followed with $or.");
  let branches = 0;
  for (let token = tokens.next(); token !== "END_ARRAY"; token = tokens.next()) {
    branches++;
    if (token !== "START_OBJECT")
      tokens.fail("Only JSON object is allowed in array of $or relationship.");
    const branch = before.length > 0 ? before.map((rule) => new Map(rule)) : [new Map()];
    parseObject(branch, path, tokens, true);
    subRules.push(...branch);
  }
  if (branches < 2) tokens.fail("There must have at least 2 Objects in $or relationship.");
}

function parseField(subRules: SubRule[], path: string, tokens: JsonTokens): void {
  const values: ValuePattern[] = [];
  for (let token = tokens.next(); token !== "END_ARRAY"; token = tokens.next()) {
    if (token === "START_OBJECT") {
      values.push(parseMatchExpression(tokens));
    } else if (token === "VALUE_STRING") {
      const text = tokens.text();
      const ip = exactIpRange(text);
      values.push(ip ? { kind: "ip-range", ...ip } : { kind: "exact-string", value: text });
    } else if (isNumericToken(token)) {
      // A number matches numerically when it can, and as written otherwise (e.g. account ids).
      const key = comparableKey(tokens.text());
      if (key !== undefined) values.push({ kind: "numeric-equals", key });
      values.push({ kind: "exact-number", value: Number(tokens.text()) });
    } else if (token === "VALUE_TRUE" || token === "VALUE_FALSE" || token === "VALUE_NULL") {
      values.push({
        kind: "exact-literal",
        value: token === "VALUE_NULL" ? null : token === "VALUE_TRUE",
      });
    } else {
      tokens.fail("Match value must be String, number, true, false, or null");
    }
  }
  if (values.length === 0) tokens.fail("Empty arrays are not allowed");
  if (subRules.length === 0) subRules.push(new Map());
  for (const rule of subRules) rule.set(path, values);
}

/** Checks what event-ruler checks once the whole rule is read, and builds the matchers. */
function finish(source: string, subRules: readonly SubRule[]): CompiledPattern {
  const byPath = new Map<string, ValuePattern[]>();
  for (const rule of subRules) {
    for (const [path, patterns] of rule)
      byPath.set(path, [...(byPath.get(path) ?? []), ...patterns]);
  }
  for (const patterns of byPath.values()) {
    const wildcards = patterns.flatMap((p) => (p.kind === "wildcard" ? [p.wildcard.text] : []));
    if (wildcardComplexity(wildcards) > WILDCARD_COMPLEXITY_LIMIT) {
      throw new InvalidEventPatternError(TOO_COMPLEX);
    }
  }
  const fieldsOf = (rule: SubRule) =>
    [...rule.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([path, patterns]) => new FieldMatcher(path, patterns, flagsOf(byPath.get(path) ?? [])));
  return new CompiledPattern(source, subRules.map(fieldsOf));
}
