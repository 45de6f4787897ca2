import type { EventValue } from "./flatten.ts";
import { accepts, type ValuePattern, type ValueView } from "./value-patterns.ts";

/**
 * event-ruler converts a field's values before matching, once per field: numbers become
 * comparable keys when the field has a numeric pattern; otherwise IP-shaped strings become
 * addresses when it has an IP pattern. The conversion hides the original text from the other
 * patterns of that field, a quirk this reproduces.
 */
export interface FieldFlags {
  readonly numeric: boolean;
  readonly ip: boolean;
}

export function flagsOf(patterns: readonly ValuePattern[]): FieldFlags {
  const numeric = patterns.some(
    (p) =>
      p.kind === "numeric-equals" ||
      p.kind === "range" ||
      (p.kind === "anything-but" && p.keys.size > 0),
  );
  return { numeric, ip: patterns.some((p) => p.kind === "ip-range") };
}

/** One field of a rule: its path, its alternatives, and whether absence also satisfies it. */
export class FieldMatcher {
  readonly allowsAbsence: boolean;
  private readonly exactStrings = new Set<string>();
  private readonly others: ValuePattern[] = [];

  constructor(
    readonly path: string,
    patterns: readonly ValuePattern[],
    private readonly flags: FieldFlags,
  ) {
    for (const pattern of patterns) {
      if (pattern.kind === "exact-string") this.exactStrings.add(pattern.value);
      else if (pattern.kind !== "absent") this.others.push(pattern);
    }
    this.allowsAbsence = patterns.some((p) => p.kind === "absent");
  }

  /** The strings the field must equal when nothing else will do; rule indexes key on these. */
  pinnedStrings(): ReadonlySet<string> | undefined {
    const onlyExact = this.others.length === 0 && !this.allowsAbsence && !this.flags.ip;
    return onlyExact && this.exactStrings.size > 0 ? this.exactStrings : undefined;
  }

  accepts(value: EventValue): boolean {
    const view = this.view(value);
    if (view.kind === "string" && this.exactStrings.has(view.value)) return true;
    return this.others.some((pattern) => accepts(pattern, view));
  }

  private view(value: EventValue): ValueView {
    const raw = value.raw;
    if (typeof raw === "string") {
      const hex = this.flags.ip && !this.flags.numeric ? value.ipHex() : undefined;
      return hex === undefined ? { kind: "string", value: raw } : { kind: "ip", hex };
    }
    if (typeof raw === "number") {
      const key = this.flags.numeric ? value.comparableKey() : undefined;
      return key === undefined ? { kind: "number", value: raw } : { kind: "comparable", key };
    }
    return { kind: "literal", value: raw };
  }
}
