import { compilePattern } from "./compile.ts";
import { InvalidEventError } from "./errors.ts";
import { matchesPattern } from "./match.ts";

// TestEventPattern refuses events without these (AWS's documentation also lists `resources`,
// but AWS does not enforce it).
const ENVELOPE_FIELDS = ["id", "account", "source", "time", "region", "detail-type"];

/**
 * The TestEventPattern API: throws InvalidEventPatternError for a bad pattern (checked first),
 * InvalidEventError ("Parameter Event is not valid.") for an event that is not a JSON object
 * carrying the envelope fields; otherwise answers whether the pattern matches.
 */
export function testEventPattern(pattern: string, event: string): boolean {
  const compiled = compilePattern(pattern);
  let parsed: unknown;
  try {
    parsed = JSON.parse(event);
  } catch {
    throw new InvalidEventError();
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new InvalidEventError();
  if (!ENVELOPE_FIELDS.every((field) => Object.hasOwn(parsed, field)))
    throw new InvalidEventError();
  return matchesPattern(compiled, parsed);
}
