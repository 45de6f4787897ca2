import { InvalidEventPatternError } from "./errors.ts";
import { ignoreCaseMatcher } from "./ignore-case.ts";
import { isNumericToken, type JsonToken, type JsonTokens } from "./json-tokens.ts";
import { comparableKey, NUMBER_RANGE_MESSAGE } from "./numbers.ts";
import type { ValuePattern } from "./value-patterns.ts";
import { matchesWildcard, parseWildcard } from "./wildcard.ts";

type Variant = "equals-ignore-case" | "prefix" | "suffix" | "wildcard";
const VARIANTS: readonly string[] = ["equals-ignore-case", "prefix", "suffix", "wildcard"];

/**
 * `anything-but`: a value, a list, or `{prefix|suffix|equals-ignore-case|wildcard: value or list}`.
 * Errors raised while event-ruler walks a list are re-raised by it, so AWS appends the location
 * twice; `failInList` keeps that.
 */
export function parseAnythingBut(tokens: JsonTokens): ValuePattern {
  let variant: Variant | undefined;
  let token = tokens.next();
  if (token === "START_OBJECT") {
    if (tokens.next() !== "FIELD_NAME") tokens.fail("Anything-But expression name not found");
    const name = tokens.fieldName();
    if (!VARIANTS.includes(name)) tokens.fail(`Unsupported anything-but pattern: ${name}`);
    variant = name as Variant;
    token = tokens.next();
  }
  if (token !== "START_ARRAY" && token !== "VALUE_STRING" && !isNumericToken(token)) {
    tokens.fail("Value of anything-but must be an array or single string/number value.");
  }
  const isList = token === "START_ARRAY";
  let pattern: ValuePattern;
  if (!variant) pattern = isList ? plainList(tokens) : plainValue(tokens, token);
  else
    pattern = variantPattern(
      tokens,
      variant,
      isList ? variantList(tokens, variant) : [variantValue(tokens, token, variant)],
    );
  // event-ruler words an extra key here as it does for `numeric`.
  if (tokens.next() !== "END_OBJECT") tokens.fail("Too many elements in numeric expression");
  if (variant && tokens.next() !== "END_OBJECT") {
    tokens.fail("Too many elements in numeric expression");
  }
  return pattern;
}

function plainValue(tokens: JsonTokens, token: JsonToken): ValuePattern {
  if (token === "VALUE_STRING")
    return { kind: "anything-but", strings: new Set([tokens.text()]), keys: new Set() };
  const key = comparableKey(tokens.text());
  // Raised outside event-ruler's parser, so AWS reports it without a location.
  if (key === undefined) throw new InvalidEventPatternError(NUMBER_RANGE_MESSAGE);
  return { kind: "anything-but", strings: new Set(), keys: new Set([key]) };
}

function plainList(tokens: JsonTokens): ValuePattern {
  const strings = new Set<string>();
  const keys = new Set<number>();
  for (let token = tokens.next(); token !== "END_ARRAY"; token = tokens.next()) {
    if (token === "VALUE_STRING") strings.add(tokens.text());
    else if (isNumericToken(token))
      keys.add(comparableKey(tokens.text()) ?? tokens.fail(NUMBER_RANGE_MESSAGE));
    else failInList(tokens, "Inside anything but list, start|null|boolean is not supported.");
  }
  if (strings.size > 0 === keys.size > 0) {
    tokens.fail(
      "Inside anything but list, either all values are number or string, mixed type is not supported",
    );
  }
  return { kind: "anything-but", strings, keys };
}

function variantValue(tokens: JsonTokens, token: JsonToken, variant: Variant): string {
  if (token !== "VALUE_STRING") tokens.fail(notAString(variant));
  const text = tokens.text();
  if ((variant === "prefix" || variant === "suffix") && text === "")
    tokens.fail("Null prefix/suffix not allowed");
  return text;
}

function variantList(tokens: JsonTokens, variant: Variant): string[] {
  const values: string[] = [];
  for (let token = tokens.next(); token !== "END_ARRAY"; token = tokens.next()) {
    if (token !== "VALUE_STRING") failInList(tokens, notAString(variant));
    const text = tokens.text();
    if ((variant === "prefix" || variant === "suffix") && text === "")
      failInList(tokens, "Null prefix/suffix not allowed");
    values.push(text);
  }
  // event-ruler accepts an empty list here and then fails internally (AWS answers with a 500).
  if (values.length === 0)
    tokens.fail(`Inside anything-but/${variant} list, at least one value is required.`);
  return values;
}

function variantPattern(
  tokens: JsonTokens,
  variant: Variant,
  values: readonly string[],
): ValuePattern {
  const matchers = values.map((value) => variantMatcher(tokens, variant, value));
  return {
    kind: "anything-but-string",
    matches: (text) => matchers.some((matches) => matches(text)),
  };
}

function variantMatcher(
  tokens: JsonTokens,
  variant: Variant,
  value: string,
): (text: string) => boolean {
  if (variant === "prefix") return (text) => text.startsWith(value);
  if (variant === "suffix") return (text) => text.endsWith(value);
  if (variant === "equals-ignore-case") {
    const matcher = ignoreCaseMatcher(value, "whole");
    return (text) => matcher.test(text);
  }
  const wildcard = parseWildcard(value);
  if ("error" in wildcard) return tokens.fail(wildcard.error);
  return (text) => matchesWildcard(wildcard, text);
}

function notAString(variant: Variant): string {
  if (variant === "equals-ignore-case") {
    return "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.";
  }
  return variant === "wildcard"
    ? "wildcard match pattern must be a string"
    : "prefix/suffix match pattern must be a string";
}

function failInList(tokens: JsonTokens, reason: string): never {
  return tokens.fail(reason, [tokens.location()]);
}
