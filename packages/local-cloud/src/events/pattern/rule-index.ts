import { compilePattern } from "./compile.ts";
import { type FlatEvent, flattenEvent } from "./flatten.ts";
import { type CompiledPattern, matchesFlatEvent } from "./match.ts";

// A sub-rule that leaves `source` or `detail-type` open is filed under ANY for it.
const ANY = null;
type Key = string | typeof ANY;
type Place = readonly [source: Key, detailType: Key];

interface Entry<T> {
  readonly order: number;
  readonly compiled: CompiledPattern;
  readonly value: T;
  /** The (source, detail-type) pairs it is filed under, so removal touches only those. */
  readonly places: readonly Place[];
}

/**
 * Rules (e.g. one event bus's) indexed for matching. Almost every rule pins `source` and
 * `detail-type` to exact strings, so each sub-rule is filed under the pairs of values it
 * requires there; an event evaluates only the rules filed under its own pair (or under ANY for
 * a side the rule leaves open), plus the few that pin neither. The cost of a match follows the
 * number of candidates, not the number of rules.
 */
export class RuleIndex<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly buckets = new Map<Key, Map<Key, Set<Entry<T>>>>();
  // How many rules look at each event path; the index itself always reads these two.
  private readonly paths = new Map<string, number>([
    ["source", 1],
    ["detail-type", 1],
  ]);
  private nextOrder = 0;

  /** Adds a rule; re-adding an id replaces its pattern and value and keeps its place. */
  add(id: string, pattern: string | object, value: T): void {
    const compiled = compilePattern(pattern);
    const previous = this.entries.get(id);
    if (previous) this.detach(previous);
    const order = previous?.order ?? this.nextOrder++;
    const entry: Entry<T> = { order, compiled, value, places: placesOf(compiled) };
    this.entries.set(id, entry);
    for (const path of compiled.paths) this.paths.set(path, (this.paths.get(path) ?? 0) + 1);
    for (const [source, detailType] of entry.places) {
      const byDetailType = this.buckets.get(source) ?? new Map<Key, Set<Entry<T>>>();
      this.buckets.set(source, byDetailType);
      const bucket = byDetailType.get(detailType) ?? new Set<Entry<T>>();
      byDetailType.set(detailType, bucket);
      bucket.add(entry);
    }
  }

  remove(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.detach(entry);
    this.entries.delete(id);
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The values of every rule the event matches, in the order the rules were added. */
  match(event: unknown): T[] {
    const flat = flattenEvent(event, this.paths);
    const candidates = new Set<Entry<T>>();
    const detailTypes = keysAt(flat, "detail-type");
    for (const source of keysAt(flat, "source")) {
      const byDetailType = this.buckets.get(source);
      if (!byDetailType) continue;
      for (const detailType of detailTypes) {
        for (const entry of byDetailType.get(detailType) ?? []) candidates.add(entry);
      }
    }
    const matched: Entry<T>[] = [];
    for (const entry of candidates) if (matchesFlatEvent(entry.compiled, flat)) matched.push(entry);
    if (matched.length > 1) matched.sort((a, b) => a.order - b.order);
    return matched.map((entry) => entry.value);
  }

  private detach(entry: Entry<T>): void {
    for (const path of entry.compiled.paths) {
      const count = (this.paths.get(path) ?? 0) - 1;
      if (count > 0) this.paths.set(path, count);
      else this.paths.delete(path);
    }
    for (const [source, detailType] of entry.places) {
      const byDetailType = this.buckets.get(source);
      const bucket = byDetailType?.get(detailType);
      bucket?.delete(entry);
      if (bucket?.size === 0) byDetailType?.delete(detailType);
      if (byDetailType?.size === 0) this.buckets.delete(source);
    }
  }
}

function placesOf(compiled: CompiledPattern): Place[] {
  const places = new Map<string, Place>();
  for (const fields of compiled.subRules) {
    const pinned = (path: string) => fields.find((field) => field.path === path)?.pinnedStrings();
    for (const source of pinned("source") ?? [ANY]) {
      for (const detailType of pinned("detail-type") ?? [ANY]) {
        places.set(JSON.stringify([source, detailType]), [source, detailType]);
      }
    }
  }
  return [...places.values()];
}

/** The event's string values at a path, plus ANY (for rules that leave the path open). */
function keysAt(event: FlatEvent, path: string): Key[] {
  const keys: Key[] = [ANY];
  for (const value of event.get(path) ?? []) {
    if (typeof value.raw === "string") keys.push(value.raw);
  }
  return keys;
}
