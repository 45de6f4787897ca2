import { describeLocation, type SourceLocation } from "./errors.ts";
import { EXPECTED_VALUE, JsonScanner } from "./json-scanner.ts";

/**
 * A pull parser over pattern text that behaves like the Jackson streaming parser AWS's
 * event-ruler reads patterns with: the same tokens, the same lazy reading of strings, the same
 * errors at the same locations. Reading token by token (rather than JSON.parse) keeps repeated
 * keys in order and numbers as written, and lets validation stop exactly where AWS's stops.
 */
export type JsonToken =
  | "START_OBJECT"
  | "END_OBJECT"
  | "START_ARRAY"
  | "END_ARRAY"
  | "FIELD_NAME"
  | "VALUE_STRING"
  | "VALUE_NUMBER_INT"
  | "VALUE_NUMBER_FLOAT"
  | "VALUE_TRUE"
  | "VALUE_FALSE"
  | "VALUE_NULL"
  | "END";

interface Scope {
  readonly kind: "root" | "array" | "object";
  entries: number;
  readonly start: SourceLocation;
}

const BRACKETS: Partial<Record<JsonToken, string>> = {
  START_OBJECT: "{",
  END_OBJECT: "}",
  START_ARRAY: "[",
  END_ARRAY: "]",
  END: "null",
};
const IDENTIFIER_START = /[\p{L}\p{Nl}\p{Pc}\p{Sc}]/u;

export const isNumericToken = (token: JsonToken) =>
  token === "VALUE_NUMBER_INT" || token === "VALUE_NUMBER_FLOAT";

export class JsonTokens {
  private readonly scanner: JsonScanner;
  private readonly scopes: Scope[] = [{ kind: "root", entries: 0, start: { line: 1, column: 0 } }];
  private current: JsonToken = "END";
  // Jackson reads the start of a field's value together with its name.
  private valueAfterName: JsonToken | undefined;
  private name = "";
  private scalar = "";
  // Jackson reads a string's body only when its text (or the next token) is asked for.
  private stringPending = false;

  constructor(readonly source: string) {
    this.scanner = new JsonScanner(source);
  }

  next(): JsonToken {
    if (this.valueAfterName) {
      this.current = this.valueAfterName;
      this.valueAfterName = undefined;
      return this.current;
    }
    if (this.stringPending) this.finishString();
    let c = this.scanner.skipWhitespace();
    if (c === undefined) return this.endOfInput();
    if (c === "]" || c === "}") return this.close(c);
    const scope = this.scope();
    if (scope.entries > 0 && scope.kind !== "root") {
      if (c !== ",")
        this.scanner.unexpected(c, `was expecting comma to separate ${kindName(scope)} entries`);
      this.scanner.ptr++;
      c = this.scanner.skipWhitespace() ?? this.endInsideEntry();
    }
    scope.entries++;
    if (scope.kind !== "object") return this.setCurrent(this.startValue(c));
    if (c !== '"') this.scanner.unexpected(c, "was expecting double-quote to start field name");
    this.scanner.ptr++;
    this.name = this.scanner.readString("name");
    c = this.scanner.skipWhitespace() ?? this.endInsideEntry();
    if (c !== ":")
      this.scanner.unexpected(c, "was expecting a colon to separate field name and value");
    this.scanner.ptr++;
    c = this.scanner.skipWhitespace() ?? this.endInsideEntry();
    this.valueAfterName = this.startValue(c);
    return this.setCurrent("FIELD_NAME");
  }

  /** Jackson's getText(): a string's value, a number as written, a bracket for structure. */
  text(): string {
    if (this.current === "FIELD_NAME") return this.name;
    if (this.current === "VALUE_STRING" && this.stringPending) this.finishString();
    return BRACKETS[this.current] ?? this.scalar;
  }

  fieldName(): string {
    return this.name;
  }

  location(): SourceLocation {
    return this.scanner.location();
  }

  /** Rejects the pattern at the current position (after any earlier locations given). */
  fail(reason: string, earlierLocations: readonly SourceLocation[] = []): never {
    return this.scanner.fail(reason, earlierLocations);
  }

  private setCurrent(token: JsonToken): JsonToken {
    this.current = token;
    return token;
  }

  private scope(): Scope {
    return this.scopes[this.scopes.length - 1] as Scope;
  }

  private startValue(c: string): JsonToken {
    const scanner = this.scanner;
    if (c === '"') {
      scanner.ptr++;
      this.stringPending = true;
      return "VALUE_STRING";
    }
    if (c === "[" || c === "{") {
      scanner.ptr++;
      // Jackson records where a structure starts as the position just after its bracket.
      const start = { line: scanner.location().line, column: scanner.location().column - 1 };
      this.scopes.push({ kind: c === "[" ? "array" : "object", entries: 0, start });
      return c === "[" ? "START_ARRAY" : "START_OBJECT";
    }
    if (c === "-" || (c >= "0" && c <= "9")) {
      const number = scanner.readNumber(this.scope().kind === "root");
      this.scalar = number.text;
      return number.isFloat ? "VALUE_NUMBER_FLOAT" : "VALUE_NUMBER_INT";
    }
    const literals: Record<string, JsonToken> = {
      t: "VALUE_TRUE",
      f: "VALUE_FALSE",
      n: "VALUE_NULL",
    };
    const literal = literals[c];
    if (literal) {
      this.scalar = { t: "true", f: "false", n: "null" }[c] as string;
      scanner.readLiteral(this.scalar);
      return literal;
    }
    if (c === "]" || c === "}") scanner.unexpected(c, "expected a value");
    if (IDENTIFIER_START.test(c)) scanner.invalidToken("");
    return scanner.unexpected(c, `expected a valid value ${EXPECTED_VALUE}`);
  }

  private close(c: "]" | "}"): JsonToken {
    this.scanner.ptr++;
    const scope = this.scope();
    if (scope.kind !== (c === "]" ? "array" : "object")) {
      const kind = scope.kind === "root" ? "root" : kindName(scope);
      const at = describeLocation(this.source, scope.start);
      this.fail(
        `Unexpected close marker '${c}': expected '${c === "]" ? "}" : "]"}' (for ${kind} starting at ${at})`,
      );
    }
    this.scopes.pop();
    return this.setCurrent(c === "]" ? "END_ARRAY" : "END_OBJECT");
  }

  /** The text ran out where a token could start: fine at the top level only. */
  private endOfInput(): JsonToken {
    const scope = this.scope();
    if (scope.kind === "root") return this.setCurrent("END");
    const at = describeLocation(this.source, scope.start);
    return this.fail(
      `Unexpected end-of-input: expected close marker for ${kindName(scope)} (start marker at ${at})`,
    );
  }

  /** The text ran out inside an entry (after a comma, a name or a colon). */
  private endInsideEntry(): never {
    return this.fail(`Unexpected end-of-input within/between ${kindName(this.scope())} entries`);
  }

  private finishString(): void {
    this.scalar = this.scanner.readString("string value");
    this.stringPending = false;
  }
}

const kindName = (scope: Scope) => (scope.kind === "array" ? "Array" : "Object");
