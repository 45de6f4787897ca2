import { isNumericToken, type JsonToken, type JsonTokens } from "./json-tokens.ts";
import { comparableKey, NUMBER_RANGE_MESSAGE } from "./numbers.ts";
import type { NumericRange, ValuePattern } from "./value-patterns.ts";

const LOWEST = -5e15;
const HIGHEST = 5e15;

/** `"numeric": ["=", 5]`, `[">", 0]`, `[">=", 0, "<", 10]`, … with event-ruler's checks. */
export function parseNumeric(tokens: JsonTokens): ValuePattern {
  if (tokens.next() !== "START_ARRAY") tokens.fail("Value of numeric must be an array.");
  const pattern = parseOperands(tokens);
  if (tokens.next() !== "END_OBJECT") tokens.fail("Too many elements in numeric expression");
  return pattern;
}

function parseOperands(tokens: JsonTokens): ValuePattern {
  if (tokens.next() !== "VALUE_STRING")
    tokens.fail(`Invalid member in numeric match: ${tokens.text()}`);
  const operator = tokens.text();
  const token = tokens.next();
  switch (operator) {
    case "=": {
      const value = numericOperand(tokens, token, "equals");
      endOfNumeric(tokens);
      return { kind: "numeric-equals", key: keyOf(tokens, value) };
    }
    case ">=":
    case ">": {
      const bottom = numericOperand(tokens, token, operator);
      const next = tokens.next();
      const open = operator === ">";
      if (next === "END_ARRAY") return range(keyOf(tokens, bottom), open, HIGHEST, false);
      return completeRange(tokens, next, bottom, open);
    }
    case "<=":
    case "<": {
      const top = numericOperand(tokens, token, operator);
      endOfNumeric(tokens);
      return range(LOWEST, false, keyOf(tokens, top), operator === "<");
    }
    default:
      return tokens.fail(`Unrecognized numeric range operator: ${operator}`);
  }
}

function completeRange(
  tokens: JsonTokens,
  token: JsonToken,
  bottom: string,
  openBottom: boolean,
): ValuePattern {
  if (token !== "VALUE_STRING") tokens.fail(`Bad value in numeric range: ${tokens.text()}`);
  const operator = tokens.text();
  if (operator !== "<" && operator !== "<=") tokens.fail(`Bad numeric range operator: ${operator}`);
  const top = numericOperand(tokens, tokens.next(), operator);
  if (tokens.next() !== "END_ARRAY") tokens.fail("Too many terms in numeric range expression");
  const bottomKey = keyOf(tokens, bottom);
  const topKey = keyOf(tokens, top);
  if (bottomKey >= topKey) tokens.fail("Bottom must be less than top");
  return range(bottomKey, openBottom, topKey, operator === "<");
}

function numericOperand(tokens: JsonTokens, token: JsonToken, operator: string): string {
  if (!isNumericToken(token)) tokens.fail(`Value of ${operator} must be numeric`);
  return tokens.text();
}

function endOfNumeric(tokens: JsonTokens): void {
  if (tokens.next() !== "END_ARRAY") tokens.fail("Too many elements in numeric expression");
}

function keyOf(tokens: JsonTokens, text: string): number {
  const key = comparableKey(text);
  return key === undefined ? tokens.fail(NUMBER_RANGE_MESSAGE) : key;
}

const range = (
  bottom: number,
  openBottom: boolean,
  top: number,
  openTop: boolean,
): NumericRange => ({
  kind: "range",
  bottom,
  openBottom,
  top,
  openTop,
});
