import { describe, expect, it } from "vitest";
import {
  compilePattern,
  InvalidEventError,
  InvalidEventPatternError,
  matchesPattern,
  RuleIndex,
  testEventPattern,
} from "../src/events/pattern/index.ts";

const matches = (pattern: string | object, event: object) =>
  matchesPattern(compilePattern(pattern), event);

const rejection = (reason: string) =>
  expect.objectContaining({
    name: "InvalidEventPatternException",
    message: `Event pattern is not valid. Reason: ${reason}`,
  });

const envelope = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  account: "111122223333",
  time: "2024-01-01T00:00:00Z",
  region: "eu-west-1",
  resources: [],
};
const event = (source: string, detailType: string, detail: object = {}) => ({
  ...envelope,
  source,
  "detail-type": detailType,
  detail,
});

describe("compilePattern", () => {
  it("reads a pattern given as an object or as JSON text alike", () => {
    const pattern = { source: ["platform.upload"], detail: { size: [{ numeric: [">", 10] }] } };
    const big = event("platform.upload", "x", { size: 11 });
    expect(matches(pattern, big)).toBe(true);
    expect(matches(JSON.stringify(pattern), big)).toBe(true);
    expect(matches(pattern, { ...big, detail: { size: 10 } })).toBe(false);
  });

  it("keeps the last of repeated keys in JSON text", () => {
    const pattern = '{"source": ["first"], "source": ["second"]}';
    expect(matches(pattern, { source: "second" })).toBe(true);
    expect(matches(pattern, { source: "first" })).toBe(false);
  });

  it("rejects patterns outside the grammar with AWS's reasons", () => {
    const cases: [string, string][] = [
      ["[]", "Filter is not an object"],
      ["{}", "Empty objects are not allowed"],
      ['{"detail": {}}', "Empty objects are not allowed"],
      ['{"source": "a"}', '"source" must be an object or an array'],
      ['{"source": [["a"]]}', "Match value must be String, number, true, false, or null"],
      ['{"source": [{}]}', "Match expression name not found"],
      ['{"source": [{"contains": "a"}]}', "Unrecognized match type contains"],
      ['{"source": [{"prefix": "a", "suffix": "b"}]}', "Only one key allowed in match expression"],
      ['{"a": [{"exists": "yes"}]}', "exists match pattern must be either true or false."],
      ['{"a": [{"anything-but": {"exists": true}}]}', "Unsupported anything-but pattern: exists"],
      [
        '{"a": [{"anything-but": [1, "b"]}]}',
        "Inside anything but list, either all values are number or string, mixed type is not supported",
      ],
      ['{"a": [{"prefix": {"wildcard": "x"}}]}', "Unsupported prefix pattern: wildcard"],
      ['{"a": [{"numeric": []}]}', "Invalid member in numeric match: ]"],
      ['{"a": [{"numeric": ["!", 1]}]}', "Unrecognized numeric range operator: !"],
      ['{"a": [{"numeric": [">", 0, "<", 5, 6]}]}', "Too many terms in numeric range expression"],
    ];
    for (const [pattern, reason] of cases) {
      expect(() => compilePattern(pattern), pattern).toThrow(rejection(reason));
    }
  });

  it("locates parser errors in the pattern text as AWS's message does", () => {
    expect(() => compilePattern('{\n  "source": ["a",]\n}')).toThrow(
      expect.objectContaining({
        awsMessage:
          "Event pattern is not valid. Reason: Unexpected character (']' (code 93)): expected a value\n" +
          ' at [Source: (String)"{\n  "source": ["a",]\n}"; line: 2, column: 18]',
      }),
    );
  });
});

describe("$or", () => {
  const pattern = {
    source: ["platform.imaging"],
    $or: [
      { detail: { width: [{ numeric: [">", 1000] }] } },
      { detail: { format: ["png", "gif"] } },
    ],
  };

  it("matches when any branch matches, together with the fields around it", () => {
    expect(matches(pattern, { source: "platform.imaging", detail: { width: 2000 } })).toBe(true);
    expect(matches(pattern, { source: "platform.imaging", detail: { format: "gif" } })).toBe(true);
    expect(
      matches(pattern, { source: "platform.imaging", detail: { width: 10, format: "jpeg" } }),
    ).toBe(false);
    expect(matches(pattern, { source: "platform.audit", detail: { width: 2000 } })).toBe(false);
  });

  it("nests", () => {
    const nested = { $or: [{ a: ["1"] }, { $or: [{ b: ["2"] }, { c: ["3"] }] }] };
    expect(matches(nested, { c: "3" })).toBe(true);
    expect(matches(nested, { d: "4" })).toBe(false);
  });

  it("must hold an array of at least two objects without operator names as fields", () => {
    expect(() => compilePattern({ $or: { a: ["1"] } })).toThrow(
      rejection("It must be an Array followed with $or."),
    );
    expect(() => compilePattern({ $or: [{ a: ["1"] }] })).toThrow(
      rejection("There must have at least 2 Objects in $or relationship."),
    );
    expect(() => compilePattern({ $or: [{ a: ["1"] }, "b"] })).toThrow(
      rejection("Only JSON object is allowed in array of $or relationship."),
    );
    expect(() => compilePattern({ $or: [{ a: ["1"] }, { numeric: ["2"] }] })).toThrow(
      rejection("numeric is Ruler reserved fieldName which cannot be used inside $or."),
    );
  });
});

describe("value matching", () => {
  it("tells strings, numbers, booleans and null apart", () => {
    expect(matches({ a: [300] }, { a: "300" })).toBe(false);
    expect(matches({ a: ["300"] }, { a: 300 })).toBe(false);
    expect(matches({ a: [true] }, { a: "true" })).toBe(false);
    expect(matches({ a: [null] }, { a: "null" })).toBe(false);
    expect(matches({ a: [null] }, { a: null })).toBe(true);
    expect(matches({ a: [""] }, { a: "" })).toBe(true);
  });

  it("compares numbers by value, to six decimal places", () => {
    expect(matches('{"a": [3.0e2]}', { a: 300 })).toBe(true);
    expect(matches({ a: [{ numeric: ["=", 0.1] }] }, { a: 0.1000004 })).toBe(true);
    expect(matches({ a: [{ numeric: ["=", 0.1] }] }, { a: 0.100001 })).toBe(false);
    expect(matches({ a: [{ numeric: [">=", -5, "<", 5] }] }, { a: -5 })).toBe(true);
    expect(matches({ a: [{ numeric: [">=", -5, "<", 5] }] }, { a: 5 })).toBe(false);
  });

  it("limits numeric operands to ±5e9 but still matches larger plain numbers exactly", () => {
    expect(() => compilePattern({ a: [{ numeric: [">", 6e9] }] })).toThrow(
      rejection("Value must be between -5.0E9 and 5.0E9, inclusive"),
    );
    expect(matches({ account: [123456789012] }, { account: 123456789012 })).toBe(true);
    expect(matches({ account: [123456789012] }, { account: 123456789013 })).toBe(false);
  });

  it("rejects a numeric range that is empty", () => {
    expect(() => compilePattern({ a: [{ numeric: [">", 5, "<", 5] }] })).toThrow(
      rejection("Bottom must be less than top"),
    );
  });

  it("applies prefix, suffix and equals-ignore-case to strings only", () => {
    expect(matches({ a: [{ prefix: "1" }] }, { a: 12 })).toBe(false);
    expect(matches({ a: [{ suffix: "" }] }, { a: "anything" })).toBe(true);
    expect(matches({ a: [{ "equals-ignore-case": "ÉTÉ" }] }, { a: "été" })).toBe(true);
    expect(
      matches({ a: [{ prefix: { "equals-ignore-case": "IMG_" } }] }, { a: "img_001.png" }),
    ).toBe(true);
    expect(matches({ a: [{ suffix: { "equals-ignore-case": ".PNG" } }] }, { a: "x.png.bak" })).toBe(
      false,
    );
  });

  it("matches wildcards, with \\* for a literal star", () => {
    expect(
      matches({ key: [{ wildcard: "uploads/*/original.*" }] }, { key: "uploads/u1/original.png" }),
    ).toBe(true);
    expect(
      matches({ key: [{ wildcard: "uploads/*/original.*" }] }, { key: "uploads/u1/thumb.png" }),
    ).toBe(false);
    expect(matches({ a: [{ wildcard: "a\\*b" }] }, { a: "a*b" })).toBe(true);
    expect(matches({ a: [{ wildcard: "a\\*b" }] }, { a: "axb" })).toBe(false);
    expect(matches({ a: [{ wildcard: "*" }] }, { a: "" })).toBe(true);
  });

  it("rejects malformed or too complex wildcards", () => {
    expect(() => compilePattern({ a: [{ wildcard: "a\\b" }] })).toThrow(
      rejection("Invalid escape character at pos 2"),
    );
    expect(() => compilePattern({ a: [{ wildcard: "*.*.*.*.*.*" }] })).toThrow(
      rejection(
        "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character",
      ),
    );
  });

  it("matches IP addresses by value, in CIDR ranges and as plain strings", () => {
    expect(matches({ ip: [{ cidr: "2001:db8::/32" }] }, { ip: "2001:0DB8:ffff::1" })).toBe(true);
    expect(matches({ ip: [{ cidr: "10.0.0.0/8" }] }, { ip: "11.0.0.1" })).toBe(false);
    expect(matches({ ip: [{ cidr: "10.0.0.0/8" }] }, { ip: "not an address" })).toBe(false);
    expect(matches({ ip: ["2001:db8::1"] }, { ip: "2001:0db8:0:0:0:0:0:1" })).toBe(true);
    expect(() => compilePattern({ ip: [{ cidr: "10.0.0.1/32" }] })).toThrow(
      rejection("IPv4 mask bits must be < 32"),
    );
  });
});

describe("anything-but", () => {
  it("matches a value of another type and any array element outside the list", () => {
    expect(matches({ a: [{ "anything-but": [100] }] }, { a: "100" })).toBe(true);
    expect(matches({ a: [{ "anything-but": [100] }] }, { a: 100.0 })).toBe(false);
    expect(matches({ a: [{ "anything-but": ["x"] }] }, { a: ["x", "y"] })).toBe(true);
    expect(matches({ a: [{ "anything-but": ["x"] }] }, { a: ["x"] })).toBe(false);
  });

  it("needs the field to be there", () => {
    expect(matches({ a: [{ "anything-but": { prefix: "tmp/" } }] }, { b: "tmp/x" })).toBe(false);
    expect(matches({ a: [{ "anything-but": { prefix: "tmp/" } }] }, { a: "origin/x" })).toBe(true);
  });
});

describe("exists and arrays", () => {
  it("treats null as present and empty arrays or objects as absent", () => {
    expect(matches({ a: [{ exists: true }] }, { a: null })).toBe(true);
    expect(matches({ a: [{ exists: false }] }, { a: [] })).toBe(true);
    expect(matches({ a: [{ exists: false }] }, { a: {} })).toBe(true);
    expect(matches({ a: [{ exists: true }] }, { a: { b: 1 } })).toBe(false);
  });

  it("flattens nested arrays into one set of values", () => {
    expect(matches({ a: [3] }, { a: [[1, 2], [3]] })).toBe(true);
  });

  it("takes every field of an object pattern from the same array element", () => {
    const items = {
      items: [
        { kind: "image", size: 10 },
        { kind: "video", size: 99 },
      ],
    };
    expect(matches({ items: { kind: ["image"], size: [10] } }, items)).toBe(true);
    expect(matches({ items: { kind: ["image"], size: [99] } }, items)).toBe(false);
  });
});

describe("testEventPattern", () => {
  const pattern = JSON.stringify({ source: ["platform.upload"] });

  it("answers whether the event matches", () => {
    expect(testEventPattern(pattern, JSON.stringify(event("platform.upload", "x")))).toBe(true);
    expect(testEventPattern(pattern, JSON.stringify(event("platform.audit", "x")))).toBe(false);
  });

  it("refuses an event that is not JSON, not an object, or lacks an envelope field", () => {
    const { region: _, ...withoutRegion } = event("platform.upload", "x");
    for (const bad of ["plain string", "[1, 2]", "null", JSON.stringify(withoutRegion)]) {
      const run = () => testEventPattern(pattern, bad);
      expect(run, bad).toThrow(InvalidEventError);
      expect(run, bad).toThrow(
        expect.objectContaining({
          name: "ValidationException",
          message: "Parameter Event is not valid.",
        }),
      );
    }
  });

  it("does not require resources", () => {
    const { resources: _, ...withoutResources } = event("platform.upload", "x");
    expect(testEventPattern(pattern, JSON.stringify(withoutResources))).toBe(true);
  });

  it("judges the pattern before the event", () => {
    expect(() => testEventPattern('{"source": "x"}', "not json")).toThrow(InvalidEventPatternError);
  });
});

describe("RuleIndex", () => {
  const created = (n: number) => event(`platform.svc${n}`, `svc${n}.thing.happened`, { n });

  it("returns the values of matching rules in the order the rules were added", () => {
    const index = new RuleIndex<string>();
    index.add("c", { source: ["platform.svc1"] }, "c");
    index.add("a", { "detail-type": ["svc1.thing.happened"] }, "a");
    index.add("other", { source: ["platform.svc2"] }, "other");
    index.add("b", { detail: { n: [1] } }, "b");
    expect(index.match(created(1))).toEqual(["c", "a", "b"]);
  });

  it("matches rules pinned to a source and detail-type only on those values, detail included", () => {
    const index = new RuleIndex<number>();
    for (let n = 0; n < 100; n++) {
      index.add(
        `rule${n}`,
        { source: [`platform.svc${n}`], "detail-type": [`svc${n}.thing.happened`] },
        n,
      );
    }
    index.add(
      "filtered",
      { source: ["platform.svc7"], "detail-type": ["svc7.thing.happened"], detail: { n: [8] } },
      -1,
    );
    expect(index.match(created(7))).toEqual([7]);
    expect(index.match(event("platform.svc7", "svc8.thing.happened"))).toEqual([]);
    expect(index.match(event("platform.unknown", "svc7.thing.happened"))).toEqual([]);
  });

  it("matches a rule on a source prefix alone for every source it covers", () => {
    const index = new RuleIndex<string>();
    index.add("pinned", { source: ["platform.svc1"] }, "pinned");
    index.add("all-platform", { source: [{ prefix: "platform." }] }, "all-platform");
    expect(index.match(created(1))).toEqual(["pinned", "all-platform"]);
    expect(index.match(created(2))).toEqual(["all-platform"]);
    expect(index.match(event("aws.s3", "Object Created"))).toEqual([]);
  });

  it("files each $or branch under its own source", () => {
    const index = new RuleIndex<string>();
    index.add(
      "either",
      { $or: [{ source: ["platform.svc1"] }, { source: ["platform.svc2"] }] },
      "either",
    );
    expect(index.match(created(1))).toEqual(["either"]);
    expect(index.match(created(2))).toEqual(["either"]);
    expect(index.match(created(3))).toEqual([]);
  });

  it("returns every rule one event matches", () => {
    const index = new RuleIndex<number>();
    for (let n = 0; n < 50; n++) index.add(`audit${n}`, { source: ["platform.svc1"] }, n);
    expect(index.match(created(1))).toEqual(Array.from({ length: 50 }, (_, n) => n));
  });

  it("forgets removed rules and leaves the others in place", () => {
    const index = new RuleIndex<string>();
    index.add("a", { source: ["platform.svc1"] }, "a");
    index.add("b", { source: ["platform.svc1"] }, "b");
    index.add("c", { source: [{ prefix: "platform" }] }, "c");
    expect(index.remove("a")).toBe(true);
    expect(index.remove("c")).toBe(true);
    expect(index.remove("missing")).toBe(false);
    expect(index.match(created(1))).toEqual(["b"]);
    expect(index.size).toBe(1);
  });

  it("replaces a rule added again under the same id, keeping its place", () => {
    const index = new RuleIndex<string>();
    index.add("a", { source: ["platform.svc1"] }, "a1");
    index.add("b", { source: ["platform.svc2"] }, "b");
    index.add("a", { source: ["platform.svc2"] }, "a2");
    expect(index.match(created(2))).toEqual(["a2", "b"]);
    expect(index.match(created(1))).toEqual([]);
  });

  it("refuses an invalid pattern and keeps the rule it would have replaced", () => {
    const index = new RuleIndex<string>();
    index.add("a", { source: ["platform.svc1"] }, "a");
    expect(() => index.add("a", { source: "platform.svc1" }, "broken")).toThrow(
      InvalidEventPatternError,
    );
    expect(index.match(created(1))).toEqual(["a"]);
  });
});
