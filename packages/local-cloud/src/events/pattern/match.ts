import type { FieldMatcher } from "./field-matcher.ts";
import {
  type FlatEvent,
  flattenEvent,
  joinMemberships,
  type Membership,
  pathsLeadingTo,
} from "./flatten.ts";

/**
 * A validated pattern, ready to match. `$or` has been expanded into alternative sub-rules (as
 * event-ruler does); each sub-rule lists its fields in path order, the order in which
 * event-ruler walks them.
 */
export class CompiledPattern {
  /** The event paths this pattern looks at (with their prefixes); nothing else is flattened. */
  readonly paths: ReadonlySet<string>;

  constructor(
    /** The pattern text AWS would have been sent. */
    readonly source: string,
    readonly subRules: readonly (readonly FieldMatcher[])[],
  ) {
    this.paths = pathsLeadingTo(subRules.flatMap((fields) => fields.map((field) => field.path)));
  }
}

export function matchesPattern(compiled: CompiledPattern, event: unknown): boolean {
  return matchesFlatEvent(compiled, flattenEvent(event, compiled.paths));
}

export function matchesFlatEvent(compiled: CompiledPattern, event: FlatEvent): boolean {
  return compiled.subRules.some((fields) => matchFrom(fields, 0, [], event));
}

const NO_VALUES: readonly never[] = [];

/**
 * Finds values for fields[index…] that match and come from the same element of any array they
 * share. `exists: false` holds when no such consistent value is present, judged (like
 * event-ruler) against the array elements chosen for the fields before it.
 */
function matchFrom(
  fields: readonly FieldMatcher[],
  index: number,
  membership: Membership,
  event: FlatEvent,
): boolean {
  const field = fields[index];
  if (!field) return true;
  const values = event.get(field.path) ?? NO_VALUES;
  if (field.allowsAbsence) {
    const present = values.some(
      (value) => joinMemberships(membership, value.membership) !== undefined,
    );
    if (!present && matchFrom(fields, index + 1, membership, event)) return true;
  }
  for (const value of values) {
    const joined = joinMemberships(membership, value.membership);
    if (joined && field.accepts(value) && matchFrom(fields, index + 1, joined, event)) return true;
  }
  return false;
}
