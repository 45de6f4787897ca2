/**
 * `wildcard` values: `*` matches any run of characters, `\*` and `\\` are literal. Validation
 * reproduces event-ruler's WildcardParser, whose positions are UTF-8 byte offsets in the value
 * wrapped in quotes.
 */
export interface Wildcard {
  readonly text: string;
  /** The literal pieces between the stars (first and last may be empty). */
  readonly pieces: readonly string[];
}

const utf8Length = (codePoint: number) =>
  codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;

/** The parsed wildcard, or the reason event-ruler rejects it. */
export function parseWildcard(text: string): Wildcard | { readonly error: string } {
  const pieces: string[] = [""];
  const chars = [...text];
  let bytePos = 1; // after the opening quote
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "*") {
      if (chars[i + 1] === "*")
        return { error: `Consecutive wildcard characters at pos ${bytePos}` };
      pieces.push("");
    } else if (c === "\\") {
      const next = chars[i + 1];
      if (next !== "*" && next !== "\\")
        return { error: `Invalid escape character at pos ${bytePos}` };
      pieces[pieces.length - 1] += next;
      bytePos += 1;
      i++;
    } else {
      pieces[pieces.length - 1] += c;
    }
    bytePos += utf8Length(c.codePointAt(0) ?? 0);
  }
  return { text, pieces };
}

export function matchesWildcard(wildcard: Wildcard, value: string): boolean {
  const { pieces } = wildcard;
  const first = pieces[0] ?? "";
  if (pieces.length === 1) return value === first;
  const last = pieces[pieces.length - 1] ?? "";
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  // Placing each middle piece as early as possible is optimal for `*`-only globs.
  let from = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? "";
    const at = value.indexOf(piece, from);
    if (at < 0 || at + piece.length > end) return false;
    from = at + piece.length;
  }
  return true;
}
