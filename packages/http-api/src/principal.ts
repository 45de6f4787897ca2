import { HttpProblem } from "./problems.ts";
import type { ApiRequest, Principal } from "./request.ts";

/** Who is calling; a protected route without one is a 401 (the gateway should have refused it). */
export function principalOf(req: ApiRequest): Principal {
  if (!req.principal)
    throw new HttpProblem(
      401,
      "unauthenticated",
      "Unauthenticated",
      "no caller identity on this request",
    );
  return req.principal;
}

/** A JSON body, or a 400/415 saying why it is not one. */
export function jsonBody(req: ApiRequest): unknown {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json")
    throw new HttpProblem(
      415,
      "unsupported-media-type",
      "Unsupported media type",
      `send the body as application/json (got ${type || "no content type"})`,
      [{ in: "header", name: "content-type", detail: "must be application/json" }],
    );
  try {
    return JSON.parse(req.body.toString("utf8"));
  } catch (error) {
    throw new HttpProblem(400, "malformed-json", "Malformed JSON", (error as Error).message);
  }
}
