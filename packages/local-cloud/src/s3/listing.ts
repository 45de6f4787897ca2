/**
 * S3 lists keys in the order of their UTF-8 bytes. A bucket keeps its keys in one sorted array,
 * so a listing page is a binary search plus a walk of at most max-keys entries (common prefixes
 * are skipped over with another binary search, however many keys they hold).
 */

// UTF-16 code units sort surrogates (code points ≥ U+10000) below U+E000–U+FFFF, UTF-8 above:
// moving the two ranges makes code-unit order equal byte order.
const weight = (unit: number) =>
  unit < 0xd800 ? unit : unit <= 0xdfff ? unit + 0x2000 : unit - 0x800;

/** Compares two keys as S3 does: by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return weight(x) - weight(y);
  }
  return a.length - b.length;
}

export class SortedKeys {
  private keys: string[] = [];

  /** Replaces the content at once (one sort instead of one insert per key). */
  load(keys: Iterable<string>): void {
    this.keys = [...keys].sort(compareKeys);
  }

  get size(): number {
    return this.keys.length;
  }

  /** Index of the first key ≥ `key`. */
  lowerBound(key: string): number {
    return this.search(0, (k) => compareKeys(k, key) < 0);
  }

  /** Index of the first key > `key`. */
  upperBound(key: string): number {
    return this.search(0, (k) => compareKeys(k, key) <= 0);
  }

  insert(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] !== key) this.keys.splice(at, 0, key);
  }

  remove(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  at(index: number): string | undefined {
    return this.keys[index];
  }

  /** Index of the first key from `from` on that does not start with `prefix`. */
  endOfPrefix(prefix: string, from: number): number {
    return this.search(from, (k) => k.startsWith(prefix));
  }

  /** First index ≥ from where `before` turns false (it must be true, then false). */
  private search(from: number, before: (key: string) => boolean): number {
    let low = from;
    let high = this.keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (before(this.keys[mid] as string)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

export interface ListQuery {
  prefix: string;
  /** "" for no delimiter. */
  delimiter: string;
  maxKeys: number;
  /** Only entries (keys or common prefixes) sorting after this one: start-after, marker, token. */
  after?: string;
}

export interface ListedKeys {
  keys: string[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last entry returned, from which the next page starts. */
  last?: string;
}

/** One page of ListObjects: keys and common prefixes in order, at most maxKeys of them together. */
export function listKeys(index: SortedKeys, query: ListQuery): ListedKeys {
  const { prefix, delimiter, maxKeys, after } = query;
  const page: ListedKeys = { keys: [], commonPrefixes: [], isTruncated: false };
  if (maxKeys <= 0) return page;
  let i = index.lowerBound(prefix);
  if (after !== undefined) i = Math.max(i, index.upperBound(after));
  let count = 0;
  for (let key = index.at(i); key?.startsWith(prefix); key = index.at(i)) {
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const entry = cut < 0 ? key : key.slice(0, cut + delimiter.length);
    // A common prefix covers a run of keys; it is listed once, and only if it sorts after `after`.
    const next = cut < 0 ? i + 1 : index.endOfPrefix(entry, i);
    if (cut >= 0 && after !== undefined && compareKeys(entry, after) <= 0) {
      i = next;
      continue;
    }
    if (count === maxKeys) {
      page.isTruncated = true;
      break;
    }
    (cut < 0 ? page.keys : page.commonPrefixes).push(entry);
    page.last = entry;
    count++;
    i = next;
  }
  return page;
}
