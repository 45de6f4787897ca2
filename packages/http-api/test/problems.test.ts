import { describe, expect, it } from "vitest";
import { z } from "zod";
import { HttpProblem, PROBLEM_BASE, validate } from "../src/problems.ts";
import { problem } from "../src/respond.ts";

/** The 400 `validate` throws for `value`. */
function refusal(schema: z.ZodType, value: unknown, where: "body" | "query" = "body") {
  try {
    validate(schema, value, where);
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error("valid, expected a problem");
}

describe("validate", () => {
  const Body = z.strictObject({
    size: z.number().int().min(1),
    parts: z.array(z.strictObject({ PartNumber: z.number() })).optional(),
  });

  it("returns the parsed value when it is valid", () => {
    expect(validate(Body, { size: 3 }, "body")).toEqual({ size: 3 });
  });

  it("throws a 400 naming where and which field is bad", () => {
    const problem = refusal(Body, { size: 0 }, "query");
    expect(problem).toMatchObject({
      status: 400,
      slug: "invalid-request",
      detail: "1 invalid field in the query",
    });
    expect(problem.errors).toEqual([{ in: "query", name: "size", detail: expect.any(String) }]);
  });

  it("names each unknown field itself, with its path", () => {
    const problem = refusal(Body, { size: 1, a: 1, parts: [{ PartNumber: 1, ETag: "x" }] });
    expect(problem.errors).toHaveLength(2);
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { in: "body", name: "a", detail: "is not a known field" },
        { in: "body", name: "parts.0.ETag", detail: "is not a known field" },
      ]),
    );
    expect(problem.detail).toBe("2 invalid fields in the body");
  });

  it("names a body that is not an object as the root", () => {
    expect(refusal(Body, "text").errors).toEqual([
      { in: "body", name: "(root)", detail: expect.any(String) },
    ]);
  });
});

describe("problem", () => {
  it("answers RFC 9457 fields, the errors and the problem's own headers", () => {
    const error = new HttpProblem(
      413,
      "too-large",
      "Too large",
      "at most 6 MB",
      [{ in: "form", name: "file[0]", detail: "too big" }],
      { "retry-after": "10" },
    );
    const response = problem(error, "req-9");

    expect(response.statusCode).toBe(413);
    expect(response.headers).toEqual({
      "content-type": "application/problem+json",
      "retry-after": "10",
    });
    expect(JSON.parse(response.body)).toEqual({
      type: `${PROBLEM_BASE}too-large`,
      title: "Too large",
      status: 413,
      detail: "at most 6 MB",
      instance: "urn:request:req-9",
      errors: [{ in: "form", name: "file[0]", detail: "too big" }],
    });
  });

  it("leaves out errors when no field is to blame", () => {
    const body = JSON.parse(problem(new HttpProblem(409, "conflict", "Conflict", "no"), "r").body);
    expect(body).not.toHaveProperty("errors");
  });
});
