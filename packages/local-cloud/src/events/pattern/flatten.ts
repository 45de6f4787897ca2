import { ipToHex } from "./ip.ts";
import { comparableKeyOf } from "./numbers.ts";

/**
 * An event as event-ruler matches it: every leaf value under its dotted path (so `{"a":{"b":1}}`
 * and `{"a.b":1}` look the same), each tagged with the array elements it sits in. Empty arrays
 * and objects leave nothing behind, which is why they count as absent.
 */
export type Leaf = string | number | boolean | null;

/** Flat pairs of (array id, element index), one pair per enclosing array. */
export type Membership = readonly number[];
export type FlatEvent = ReadonlyMap<string, readonly EventValue[]>;

const OUTSIDE_ARRAYS: Membership = [];

export class EventValue {
  // Conversions are cached: many rules may look at the same value.
  private key: number | null | undefined;
  private hex: string | null | undefined;

  constructor(
    readonly raw: Leaf,
    readonly membership: Membership,
  ) {}

  /** The number as event-ruler compares it (see numbers.ts), if it is a number in range. */
  comparableKey(): number | undefined {
    if (this.key === undefined) {
      this.key = (typeof this.raw === "number" ? comparableKeyOf(this.raw) : undefined) ?? null;
    }
    return this.key ?? undefined;
  }

  /** The address as hex, if the value is a string holding an IP address. */
  ipHex(): string | undefined {
    if (this.hex === undefined)
      this.hex = (typeof this.raw === "string" ? ipToHex(this.raw) : undefined) ?? null;
    return this.hex ?? undefined;
  }
}

/** Which paths to keep: the paths patterns ask for, and every dotted prefix leading to them. */
export interface PathFilter {
  has(path: string): boolean;
}

/** All paths a set of field paths needs flattened (so `a.b.c` needs `a`, `a.b` and `a.b.c`). */
export function pathsLeadingTo(fieldPaths: Iterable<string>): Set<string> {
  const paths = new Set<string>();
  for (const path of fieldPaths) {
    for (let dot = path.indexOf("."); dot >= 0; dot = path.indexOf(".", dot + 1))
      paths.add(path.slice(0, dot));
    paths.add(path);
  }
  return paths;
}

/** Flattens the event; with a filter, skips the parts no pattern looks at. */
export function flattenEvent(event: unknown, only?: PathFilter): FlatEvent {
  const walk = new Walk(only);
  if (event !== null && typeof event === "object" && !Array.isArray(event)) {
    for (const key of Object.keys(event))
      walk.visit((event as Record<string, unknown>)[key], key, OUTSIDE_ARRAYS);
  }
  return walk.values;
}

class Walk {
  readonly values = new Map<string, EventValue[]>();
  private nextArrayId = 0;

  constructor(private readonly only: PathFilter | undefined) {}

  visit(node: unknown, path: string, membership: Membership): void {
    if (this.only && !this.only.has(path)) return;
    if (Array.isArray(node)) {
      const id = this.nextArrayId++;
      for (let index = 0; index < node.length; index++)
        this.visit(node[index], path, [...membership, id, index]);
    } else if (node !== null && typeof node === "object") {
      for (const key of Object.keys(node))
        this.visit((node as Record<string, unknown>)[key], `${path}.${key}`, membership);
    } else if (isLeaf(node)) {
      const value = new EventValue(node, membership);
      const list = this.values.get(path);
      if (list) list.push(value);
      else this.values.set(path, [value]);
    }
  }
}

const isLeaf = (node: unknown): node is Leaf =>
  node === null ||
  typeof node === "string" ||
  typeof node === "number" ||
  typeof node === "boolean";

/**
 * Both memberships together, or undefined when they disagree on an element of the same array
 * (event-ruler's "array consistency": one rule match never mixes elements of one array).
 */
export function joinMemberships(a: Membership, b: Membership): Membership | undefined {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  let joined: number[] | undefined;
  for (let i = 0; i < b.length; i += 2) {
    const at = indexOfArray(a, b[i] as number);
    if (at >= 0 && a[at + 1] !== b[i + 1]) return undefined;
    if (at < 0) {
      joined ??= [...a];
      joined.push(b[i] as number, b[i + 1] as number);
    }
  }
  return joined ?? a;
}

function indexOfArray(membership: Membership, arrayId: number): number {
  for (let i = 0; i < membership.length; i += 2) if (membership[i] === arrayId) return i;
  return -1;
}
