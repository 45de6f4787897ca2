import type { IpRange } from "./ip.ts";
import { matchesWildcard, type Wildcard } from "./wildcard.ts";

/**
 * One alternative in a pattern field's array, compiled. Each mirrors a Patterns kind of
 * event-ruler, including its split of a plain number into a numeric and a textual match.
 */
export type ValuePattern =
  | { readonly kind: "exact-string"; readonly value: string }
  /** A number as written, for numbers outside the comparable range (e.g. account ids). */
  | { readonly kind: "exact-number"; readonly value: number }
  | { readonly kind: "exact-literal"; readonly value: boolean | null }
  | { readonly kind: "numeric-equals"; readonly key: number }
  | NumericRange
  | ({ readonly kind: "ip-range" } & IpRange)
  | { readonly kind: "prefix" | "suffix"; readonly value: string }
  | { readonly kind: "ignore-case"; readonly matcher: RegExp }
  | { readonly kind: "wildcard"; readonly wildcard: Wildcard }
  /** anything-but with strings or numbers: fails only on an equal value of the same type. */
  | {
      readonly kind: "anything-but";
      readonly strings: ReadonlySet<string>;
      readonly keys: ReadonlySet<number>;
    }
  /** anything-but prefix/suffix/equals-ignore-case/wildcard: fails only on a string that matches. */
  | { readonly kind: "anything-but-string"; readonly matches: (value: string) => boolean }
  | { readonly kind: "exists" }
  | { readonly kind: "absent" };

export interface NumericRange {
  readonly kind: "range";
  readonly bottom: number;
  readonly openBottom: boolean;
  readonly top: number;
  readonly openTop: boolean;
}

/** How event-ruler sees a value of a field, which depends on the patterns of that field. */
export type ValueView =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "comparable"; readonly key: number }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "ip"; readonly hex: string }
  | { readonly kind: "literal"; readonly value: boolean | null };

export function accepts(pattern: ValuePattern, view: ValueView): boolean {
  switch (pattern.kind) {
    case "exact-string":
      return view.kind === "string" && view.value === pattern.value;
    case "exact-number":
      return view.kind === "number" && view.value === pattern.value;
    case "exact-literal":
      return view.kind === "literal" && view.value === pattern.value;
    case "numeric-equals":
      return view.kind === "comparable" && view.key === pattern.key;
    case "range":
      return view.kind === "comparable" && inRange(pattern, view.key);
    case "ip-range":
      return (
        view.kind === "ip" &&
        view.hex.length === pattern.bottom.length &&
        view.hex >= pattern.bottom &&
        view.hex <= pattern.top
      );
    case "prefix":
      return view.kind === "string" && view.value.startsWith(pattern.value);
    case "suffix":
      return view.kind === "string" && view.value.endsWith(pattern.value);
    case "ignore-case":
      return view.kind === "string" && pattern.matcher.test(view.value);
    case "wildcard":
      return view.kind === "string" && matchesWildcard(pattern.wildcard, view.value);
    case "anything-but":
      if (view.kind === "string") return !pattern.strings.has(view.value);
      return view.kind !== "comparable" || !pattern.keys.has(view.key);
    case "anything-but-string":
      return view.kind !== "string" || !pattern.matches(view.value);
    case "exists":
      return true;
    case "absent":
      return false;
  }
}

function inRange(range: NumericRange, key: number): boolean {
  const aboveBottom = range.openBottom ? key > range.bottom : key >= range.bottom;
  return aboveBottom && (range.openTop ? key < range.top : key <= range.top);
}
