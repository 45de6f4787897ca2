import type { z } from "zod";

/** One bad field: where it was (`body`, `query`, `path`, `form`), its name, and what is wrong. */
export interface FieldError {
  in: "body" | "query" | "path" | "form" | "header";
  name: string;
  detail: string;
}

/** An RFC 9457 problem, thrown by route logic and answered as application/problem+json. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "HttpProblem";
  }
}

export const PROBLEM_BASE = "https://file-platform.dev/problems/";

export const badRequest = (detail: string, errors: FieldError[] = []) =>
  new HttpProblem(400, "invalid-request", "The request is not valid", detail, errors);

export const notFound = (detail: string) => new HttpProblem(404, "not-found", "Not found", detail);

/** Turns zod's issues into field errors, e.g. `{ in: "body", name: "size", detail: "..." }`. */
export function fieldErrors(where: FieldError["in"], error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    // An unrecognised key names the keys themselves, not the object holding them.
    if (issue.code === "unrecognized_keys")
      return issue.keys.map((key) => ({
        in: where,
        name: [...issue.path, key].join("."),
        detail: "is not a known field",
      }));
    return [{ in: where, name: issue.path.join(".") || "(root)", detail: issue.message }];
  });
}

/** Parses `value` with `schema`, or throws a 400 naming every bad field. */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: FieldError["in"],
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = fieldErrors(where, result.error);
  throw badRequest(
    `${errors.length} invalid field${errors.length === 1 ? "" : "s"} in the ${where}`,
    errors,
  );
}
