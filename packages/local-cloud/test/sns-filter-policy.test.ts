import { describe, expect, it } from "vitest";
import { attributeValues, bodyValues, matchesPolicy } from "../src/sns/filter-match.ts";
import { compileFilterPolicy, type FilterScope } from "../src/sns/filter-policy.ts";
import type { MessageAttributes } from "../src/sns/message-attributes.ts";

const attrs = (entries: Record<string, [type: string, value: string]>): MessageAttributes =>
  new Map(Object.entries(entries).map(([name, [type, value]]) => [name, { type, value }]));

function onAttributes(policy: object, attributes: MessageAttributes): boolean {
  return matchesPolicy(
    compileFilterPolicy(JSON.stringify(policy), "MessageAttributes"),
    attributeValues(attributes),
  );
}

function onBody(policy: object, body: unknown): boolean {
  const values = bodyValues(typeof body === "string" ? body : JSON.stringify(body));
  const compiled = compileFilterPolicy(JSON.stringify(policy), "MessageBody");
  return values !== undefined && matchesPolicy(compiled, values);
}

const refusal = (policy: unknown, scope: FilterScope = "MessageAttributes") => {
  try {
    compileFilterPolicy(typeof policy === "string" ? policy : JSON.stringify(policy), scope);
  } catch (error) {
    return (error as Error).message;
  }
  return "accepted";
};

describe("SNS filter policies on message attributes", () => {
  const order = attrs({
    store: ["String", "example_corp"],
    event: ["String", "order_placed"],
    price: ["Number", "210.75"],
    interests: ["String.Array", '["rugby", "football", 7]'],
    ip: ["String", "10.0.3.7"],
    blob: ["Binary", "AAEC"],
  });

  it("ANDs keys and ORs the values of one key", () => {
    expect(onAttributes({ store: ["example_corp"], event: ["x", "order_placed"] }, order)).toBe(
      true,
    );
    expect(onAttributes({ store: ["example_corp"], event: ["order_cancelled"] }, order)).toBe(
      false,
    );
  });

  it("matches numbers numerically only against Number attributes", () => {
    expect(onAttributes({ price: [210.75] }, order)).toBe(true);
    expect(onAttributes({ price: ["210.75"] }, order)).toBe(false);
    expect(onAttributes({ price: [{ numeric: [">", 100, "<=", 210.75] }] }, order)).toBe(true);
    expect(onAttributes({ price: [{ numeric: ["<", 100] }] }, order)).toBe(false);
    expect(onAttributes({ store: [{ numeric: [">", 0] }] }, order)).toBe(false);
  });

  it("matches a String.Array attribute when any element matches", () => {
    expect(onAttributes({ interests: ["football"] }, order)).toBe(true);
    expect(onAttributes({ interests: [7] }, order)).toBe(true);
    expect(onAttributes({ interests: ["tennis"] }, order)).toBe(false);
  });

  it("supports prefix, suffix, equals-ignore-case and anything-but", () => {
    expect(onAttributes({ store: [{ prefix: "example" }] }, order)).toBe(true);
    expect(onAttributes({ store: [{ suffix: "_corp" }] }, order)).toBe(true);
    expect(onAttributes({ store: [{ "equals-ignore-case": "EXAMPLE_Corp" }] }, order)).toBe(true);
    expect(onAttributes({ event: [{ "anything-but": ["order_placed"] }] }, order)).toBe(false);
    expect(onAttributes({ event: [{ "anything-but": "order_cancelled" }] }, order)).toBe(true);
    expect(onAttributes({ event: [{ "anything-but": { prefix: "order_" } }] }, order)).toBe(false);
    expect(onAttributes({ missing: [{ "anything-but": ["x"] }] }, order)).toBe(false);
  });

  it("tests presence with exists, ignoring Binary attributes", () => {
    expect(onAttributes({ store: [{ exists: true }] }, order)).toBe(true);
    expect(onAttributes({ coupon: [{ exists: false }] }, order)).toBe(true);
    expect(onAttributes({ store: [{ exists: false }] }, order)).toBe(false);
    expect(onAttributes({ blob: [{ exists: true }] }, order)).toBe(false);
  });

  it("matches IP addresses against cidr blocks", () => {
    expect(onAttributes({ ip: [{ cidr: "10.0.0.0/16" }] }, order)).toBe(true);
    expect(onAttributes({ ip: [{ cidr: "10.1.0.0/16" }] }, order)).toBe(false);
    expect(onAttributes({ ip: [{ cidr: "2001:db8::/32" }] }, order)).toBe(false);
  });

  it("matches either branch of $or", () => {
    const policy = {
      store: ["example_corp"],
      $or: [{ event: ["nope"] }, { price: [{ numeric: [">", 200] }] }],
    };
    expect(onAttributes(policy, order)).toBe(true);
    expect(onAttributes({ ...policy, store: ["other"] }, order)).toBe(false);
  });
});

describe("SNS filter policies on the message body", () => {
  const body = {
    store: "example_corp",
    order: { total: 42, lines: [{ sku: "a-1" }, { sku: "b-2" }] },
    tags: ["new", "gift"],
  };

  it("follows nested keys and searches arrays on the way", () => {
    expect(onBody({ order: { total: [{ numeric: [">=", 40] }] } }, body)).toBe(true);
    expect(onBody({ order: { lines: { sku: [{ prefix: "b-" }] } } }, body)).toBe(true);
    expect(onBody({ order: { lines: { sku: ["c-3"] } } }, body)).toBe(false);
    expect(onBody({ tags: ["gift"], store: ["example_corp"] }, body)).toBe(true);
  });

  it("matches nothing when the message is not a JSON object", () => {
    expect(onBody({ store: [{ exists: false }] }, "plain text")).toBe(false);
    expect(onBody({ store: [{ exists: false }] }, [1, 2])).toBe(false);
  });
});

describe("SNS filter policy validation", () => {
  it("refuses nesting on attributes but not on the body", () => {
    expect(refusal({ a: { b: ["x"] } })).toBe(
      "Filter policy scope MessageAttributes does not support nested filter policy",
    );
    expect(refusal({ a: { b: ["x"] } }, "MessageBody")).toBe("accepted");
  });

  it("refuses malformed policies with SNS's reasons", () => {
    expect(refusal("{not json")).toBe("FilterPolicy: failed to parse JSON.");
    expect(refusal({ a: [] })).toBe("FilterPolicy: Empty arrays are not allowed");
    expect(refusal({ a: "x" })).toBe('FilterPolicy: "a" must be an object or an array');
    expect(refusal({ a: [{ prefix: 1 }] })).toBe(
      "FilterPolicy: prefix match pattern must be a string",
    );
    expect(refusal({ a: [{ exists: "yes" }] })).toBe(
      "FilterPolicy: exists match pattern must be either true or false.",
    );
    expect(refusal({ a: [{ wildcard: "x*" }] })).toBe(
      "FilterPolicy: Unrecognized match type wildcard",
    );
    expect(refusal({ a: [{ prefix: "x", suffix: "y" }] })).toBe(
      "FilterPolicy: Only one key allowed in match expression",
    );
    expect(refusal({ a: [[1]] })).toBe(
      "FilterPolicy: Match value must be String, number, true, false, or null",
    );
  });

  it("refuses bad numeric and cidr expressions", () => {
    expect(refusal({ a: [{ numeric: [">", "1"] }] })).toBe(
      "FilterPolicy: Value of > must be numeric",
    );
    expect(refusal({ a: [{ numeric: ["~", 1] }] })).toBe(
      "FilterPolicy: Unrecognized numeric range operator: ~",
    );
    expect(refusal({ a: [{ numeric: [">", 5, "<", 1] }] })).toBe(
      "FilterPolicy: Bottom must be less than top",
    );
    expect(refusal({ a: [{ numeric: ["<", 5, ">", 1] }] })).toBe(
      "FilterPolicy: Too many elements in numeric expression",
    );
    expect(refusal({ a: [{ cidr: "10.0.0.0" }] })).toBe(
      "FilterPolicy: Malformed CIDR, one '/' required",
    );
    expect(refusal({ a: [{ cidr: "10.0.0.300/8" }] })).toBe(
      "FilterPolicy: Nonstandard IP address: 10.0.0.300",
    );
  });

  it("enforces the five-key and 150-combination limits", () => {
    const keys = Object.fromEntries(["a", "b", "c", "d", "e", "f"].map((k) => [k, ["x"]]));
    expect(refusal(keys)).toBe("FilterPolicy: Filter policy can not have more than 5 keys");
    const wide = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    expect(refusal({ a: wide(10), b: wide(15) })).toBe("accepted");
    expect(refusal({ a: wide(10), b: wide(16) })).toBe(
      "FilterPolicy: Filter policy is too complex",
    );
  });
});
