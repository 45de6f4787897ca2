import { parseAnythingBut } from "./anything-but.ts";
import { ignoreCaseMatcher } from "./ignore-case.ts";
import { cidrRange } from "./ip.ts";
import type { JsonTokens } from "./json-tokens.ts";
import { parseNumeric } from "./numeric-expression.ts";
import type { ValuePattern } from "./value-patterns.ts";
import { parseWildcard } from "./wildcard.ts";

/**
 * `{ "operator": … }` inside a field's array. Checks run in event-ruler's order with its
 * messages, so the first error reported is the one AWS reports.
 */
export function parseMatchExpression(tokens: JsonTokens): ValuePattern {
  if (tokens.next() !== "FIELD_NAME") tokens.fail("Match expression name not found");
  const operator = tokens.fieldName();
  switch (operator) {
    case "exactly":
      return closed(tokens, {
        kind: "exact-string",
        value: stringOperand(tokens, "exact match pattern must be a string"),
      });
    case "prefix":
    case "suffix":
      return parsePrefixOrSuffix(tokens, operator);
    case "numeric":
      return parseNumeric(tokens);
    case "anything-but":
      return parseAnythingBut(tokens);
    case "exists":
      return parseExists(tokens);
    case "cidr": {
      // event-ruler reports a non-string CIDR with the prefix message.
      const range = cidrRange(stringOperand(tokens, "prefix match pattern must be a string"));
      return closed(tokens, { kind: "ip-range", ...range });
    }
    case "equals-ignore-case": {
      const value = stringOperand(tokens, "equals-ignore-case match pattern must be a string");
      return closed(tokens, { kind: "ignore-case", matcher: ignoreCaseMatcher(value, "whole") });
    }
    case "wildcard": {
      const wildcard = parseWildcard(
        stringOperand(tokens, "wildcard match pattern must be a string"),
      );
      if ("error" in wildcard) tokens.fail(wildcard.error);
      return closed(tokens, { kind: "wildcard", wildcard });
    }
    default:
      return tokens.fail(`Unrecognized match type ${operator}`);
  }
}

function parsePrefixOrSuffix(tokens: JsonTokens, operator: "prefix" | "suffix"): ValuePattern {
  const token = tokens.next();
  if (token === "START_OBJECT") {
    const title = operator === "prefix" ? "Prefix" : "Suffix";
    if (tokens.next() !== "FIELD_NAME") tokens.fail(`${title} expression name not found`);
    const inner = tokens.fieldName();
    if (inner !== "equals-ignore-case") tokens.fail(`Unsupported ${operator} pattern: ${inner}`);
    const value = stringOperand(tokens, "equals-ignore-case match pattern must be a string");
    const pattern = closed(tokens, {
      kind: "ignore-case",
      matcher: ignoreCaseMatcher(value, operator),
    });
    return closed(tokens, pattern);
  }
  if (token !== "VALUE_STRING") tokens.fail(`${operator} match pattern must be a string`);
  return closed(tokens, { kind: operator, value: tokens.text() });
}

function parseExists(tokens: JsonTokens): ValuePattern {
  const token = tokens.next();
  if (token !== "VALUE_TRUE" && token !== "VALUE_FALSE")
    tokens.fail("exists match pattern must be either true or false.");
  return closed(tokens, { kind: token === "VALUE_TRUE" ? "exists" : "absent" });
}

function stringOperand(tokens: JsonTokens, reason: string): string {
  if (tokens.next() !== "VALUE_STRING") tokens.fail(reason);
  return tokens.text();
}

/** The expression object must end after its one operator. */
function closed(tokens: JsonTokens, pattern: ValuePattern): ValuePattern {
  if (tokens.next() !== "END_OBJECT") tokens.fail("Only one key allowed in match expression");
  return pattern;
}
