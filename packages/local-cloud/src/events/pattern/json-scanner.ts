import { InvalidEventPatternError, type SourceLocation } from "./errors.ts";

export const EXPECTED_VALUE =
  "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
const IDENTIFIER_PART = /[\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}\p{Sc}]/u;
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/**
 * Character-level reading of pattern text with Jackson's error messages and its way of
 * counting positions (1-based lines and columns; errors on one character point at it).
 */
export class JsonScanner {
  ptr = 0;
  private line = 1;
  private lineStart = 0;

  constructor(readonly source: string) {}

  peek(): string | undefined {
    return this.source[this.ptr];
  }

  location(): SourceLocation {
    return { line: this.line, column: this.ptr - this.lineStart + 1 };
  }

  /** Rejects the pattern here, the way event-ruler's `barf` does. */
  fail(reason: string, earlierLocations: readonly SourceLocation[] = []): never {
    throw new InvalidEventPatternError(reason, this.source, [...earlierLocations, this.location()]);
  }

  /** Reports the character under the cursor (Jackson points at it rather than past it). */
  unexpected(c: string, comment: string): never {
    return this.fail(`Unexpected character (${describeChar(c)}): ${comment}`);
  }

  /** The next significant character (not consumed), or undefined at the end. */
  skipWhitespace(): string | undefined {
    for (;;) {
      const c = this.source[this.ptr];
      if (c === undefined || c > " ") return c;
      if (c !== " " && c !== "\t" && c !== "\n" && c !== "\r") {
        this.fail(
          `Illegal character (${describeChar(c)}): only regular white space (\\r, \\n, \\t) is allowed between tokens`,
        );
      }
      this.ptr++;
      if (c === "\n" || (c === "\r" && this.peek() !== "\n")) {
        this.line++;
        this.lineStart = this.ptr;
      }
    }
  }

  /** A string's body; the cursor is just past the opening quote. */
  readString(what: "name" | "string value"): string {
    let value = "";
    for (;;) {
      const c = this.source[this.ptr++];
      if (c === '"') return value;
      if (c === undefined) {
        this.ptr--;
        this.fail(
          what === "name"
            ? "Unexpected end-of-input in field name"
            : "Unexpected end-of-input: was expecting closing quote for a string value",
        );
      }
      if (c === "\\") value += this.readEscape();
      else if (c < " ")
        this.fail(
          `Illegal unquoted character (${describeChar(c)}): has to be escaped using backslash to be included in ${what}`,
        );
      else value += c;
    }
  }

  /** A number as written, and whether Jackson calls it a float. */
  readNumber(atRoot: boolean): { text: string; isFloat: boolean } {
    const start = this.ptr;
    NUMBER.lastIndex = start;
    const match = NUMBER.exec(this.source);
    if (!match) {
      this.ptr++;
      return this.numberError("expected digit (0-9) to follow minus sign, for valid numeric value");
    }
    this.ptr += match[0].length;
    const next = this.peek();
    if (next !== undefined && next >= "0" && next <= "9")
      this.fail("Invalid numeric value: Leading zeroes not allowed");
    if (next === "." && !match[1]) {
      this.ptr++;
      this.numberError("Decimal point not followed by a digit");
    }
    if ((next === "e" || next === "E") && !match[2]) {
      this.ptr += /^[eE][+-]?/.exec(this.source.slice(this.ptr))?.[0].length ?? 1;
      this.numberError("Exponent indicator not followed by a digit");
    }
    if (atRoot && next !== undefined && next > " ")
      this.unexpected(next, "Expected space separating root-level values");
    return { text: match[0], isFloat: Boolean(match[1] || match[2]) };
  }

  /** `true`, `false` or `null`; anything else starting like them is an unrecognized token. */
  readLiteral(word: string): void {
    let matched = 0;
    while (matched < word.length && this.source[this.ptr + matched] === word[matched]) matched++;
    this.ptr += matched;
    const next = this.peek();
    if (matched < word.length || (next !== undefined && IDENTIFIER_PART.test(next))) {
      this.invalidToken(word.slice(0, matched));
    }
  }

  /** Reads on to the end of the would-be identifier and reports it. */
  invalidToken(start: string): never {
    let token = start;
    for (let c = this.peek(); c !== undefined && IDENTIFIER_PART.test(c); c = this.peek()) {
      token += c;
      this.ptr++;
    }
    return this.fail(`Unrecognized token '${token}': was expecting ${EXPECTED_VALUE}`);
  }

  private readEscape(): string {
    const c = this.source[this.ptr++];
    if (c === undefined) return this.fail("Unexpected end-of-input in character escape sequence");
    const simple = ESCAPES[c];
    if (simple !== undefined) return simple;
    if (c !== "u") return this.fail(`Unrecognized character escape ${describeChar(c)}`);
    let code = 0;
    for (let i = 0; i < 4; i++) {
      const h = this.source[this.ptr++];
      if (h === undefined) return this.fail("Unexpected end-of-input in character escape sequence");
      const digit = Number.parseInt(h, 16);
      if (Number.isNaN(digit))
        this.fail(
          `Unexpected character (${describeChar(h)}): expected a hex-digit for character escape sequence`,
        );
      code = code * 16 + digit;
    }
    return String.fromCharCode(code);
  }

  /** Jackson reads the offending character before it complains about it. */
  private numberError(comment: string): never {
    const c = this.source[this.ptr];
    if (c === undefined) return this.fail("Unexpected end-of-input in a Number value");
    this.ptr++;
    return this.fail(`Unexpected character (${describeChar(c)}) in numeric value: ${comment}`);
  }
}

function describeChar(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 32) return `(CTRL-CHAR, code ${code})`;
  if (code > 255) return `'${c}' (code ${code} / 0x${code.toString(16)})`;
  return `'${c}' (code ${code})`;
}
