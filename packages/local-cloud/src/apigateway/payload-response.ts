/** What API Gateway sends the client for a function's result. */
export interface IntegrationResponse {
  status: number;
  /** Lower-cased names; `set-cookie` carries one entry per cookie. */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Why a result cannot be mapped; API Gateway answers 500 and logs this, the client sees none of it. */
export class MalformedResponseError extends Error {
  override readonly name = "MalformedResponseError";
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Maps a function's result the way format 2.0 does. An object with `statusCode` is a response
 * (`headers`, `cookies`, `body`, `isBase64Encoded`); any other JSON value is the body of a 200
 * with `content-type: application/json` (a string is the body itself, not its JSON).
 */
export function mapIntegrationResult(payload: string): IntegrationResponse {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    throw new MalformedResponseError("the function's result is not JSON");
  }
  if (!isRecord(result) || !("statusCode" in result)) {
    const body = typeof result === "string" ? result : payload;
    return {
      status: 200,
      headers: { "content-type": "application/json" },
      body: Buffer.from(body),
    };
  }

  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded = false } = result;
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode))
    throw new MalformedResponseError(`statusCode ${JSON.stringify(statusCode)} is not an integer`);
  if (statusCode < 100 || statusCode > 599)
    throw new MalformedResponseError(`statusCode ${statusCode} is not an HTTP status`);
  if (!isRecord(headers)) throw new MalformedResponseError("headers is not an object");
  if (!Array.isArray(cookies) || !cookies.every((c) => typeof c === "string"))
    throw new MalformedResponseError("cookies is not an array of strings");
  if (body !== undefined && body !== null && typeof body !== "string")
    throw new MalformedResponseError(`body is a ${typeof body}, not a string`);
  if (typeof isBase64Encoded !== "boolean")
    throw new MalformedResponseError("isBase64Encoded is not a boolean");

  const mapped: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!["string", "number", "boolean"].includes(typeof value))
      throw new MalformedResponseError(`header ${name} is not a string`);
    const lower = name.toLowerCase();
    const previous = mapped[lower];
    mapped[lower] = previous === undefined ? String(value) : `${previous},${String(value)}`;
  }
  if (cookies.length > 0) {
    const existing = mapped["set-cookie"];
    mapped["set-cookie"] = [...(existing === undefined ? [] : [existing].flat()), ...cookies];
  }
  // Without a type of its own, the response is taken for JSON (as AWS's SAM CLI also does).
  mapped["content-type"] ??= "application/json";

  const text = body ?? "";
  if (isBase64Encoded && !BASE64.test(text.replace(/\s/g, "")))
    throw new MalformedResponseError("isBase64Encoded is true but the body is not base64");
  return {
    status: statusCode,
    headers: mapped,
    body: isBase64Encoded ? Buffer.from(text, "base64") : Buffer.from(text),
  };
}
