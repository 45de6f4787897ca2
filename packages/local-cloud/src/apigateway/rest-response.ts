import { MalformedResponseError } from "./payload-response.ts";

/** What a REST API sends the client for a function's result. */
export interface RestIntegrationResponse {
  status: number;
  /** Names as the function spelled them; a header with several values sends several lines. */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** A base64 body API Gateway was asked to decode and could not: its 500, not a 502. */
export class BinaryConversionError extends Error {
  override readonly name = "BinaryConversionError";
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const KEYS = new Set(["statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Headers API Gateway owns: a function's own are passed on as `x-amzn-Remapped-<name>`. */
const REMAPPED = new Set([
  "authorization",
  "connection",
  "content-length",
  "date",
  "server",
  "transfer-encoding",
  "x-amzn-requestid",
]);

function headerText(name: string, value: unknown): string {
  if (!["string", "number", "boolean"].includes(typeof value))
    throw new MalformedResponseError(`header ${name} is not a string`);
  return String(value);
}

/**
 * Maps a function's result the way REST proxy integrations do: it must be an object of
 * `statusCode`, `headers`, `multiValueHeaders`, `body` and `isBase64Encoded` and nothing else,
 * or API Gateway answers 502. `multiValueHeaders` wins over `headers` for the same name. A base64
 * body is decoded only when the request's first Accept type is a binary media type
 * (`binaryAccepted`); otherwise the client gets the base64 text, as from AWS.
 */
export function mapRestProxyResult(
  payload: string,
  binaryAccepted: boolean,
): RestIntegrationResponse {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    throw new MalformedResponseError("the function's result is not JSON");
  }
  if (!isRecord(result)) throw new MalformedResponseError("the result is not an object");
  const extra = Object.keys(result).filter((key) => !KEYS.has(key));
  if (extra.length > 0) throw new MalformedResponseError(`unexpected fields: ${extra.join(", ")}`);

  const {
    statusCode,
    headers = {},
    multiValueHeaders = {},
    body,
    isBase64Encoded = false,
  } = result;
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode))
    throw new MalformedResponseError(`statusCode ${JSON.stringify(statusCode)} is not an integer`);
  if (statusCode < 100 || statusCode > 599)
    throw new MalformedResponseError(`statusCode ${statusCode} is not an HTTP status`);
  if (!isRecord(headers)) throw new MalformedResponseError("headers is not an object");
  if (!isRecord(multiValueHeaders))
    throw new MalformedResponseError("multiValueHeaders is not an object");
  if (body !== undefined && body !== null && typeof body !== "string")
    throw new MalformedResponseError(`body is a ${typeof body}, not a string`);
  if (typeof isBase64Encoded !== "boolean")
    throw new MalformedResponseError("isBase64Encoded is not a boolean");

  // Keyed by lower-cased name, so that `Set-Cookie` in multiValueHeaders replaces `set-cookie`.
  const merged = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of Object.entries(headers))
    merged.set(name.toLowerCase(), { name, values: [headerText(name, value)] });
  for (const [name, values] of Object.entries(multiValueHeaders)) {
    if (!Array.isArray(values)) throw new MalformedResponseError(`${name} is not a list`);
    merged.set(name.toLowerCase(), { name, values: values.map((v) => headerText(name, v)) });
  }
  const mapped: Record<string, string | string[]> = {};
  for (const [lower, { name, values }] of merged) {
    const key = REMAPPED.has(lower) ? `x-amzn-Remapped-${name}` : name;
    mapped[key] = values.length === 1 ? (values[0] ?? "") : values;
  }
  if (!merged.has("content-type")) mapped["content-type"] = "application/json";

  const text = body ?? "";
  if (!(isBase64Encoded && binaryAccepted))
    return { status: statusCode, headers: mapped, body: Buffer.from(text) };
  if (!BASE64.test(text.replace(/\s/g, "")))
    throw new BinaryConversionError("isBase64Encoded is true but the body is not base64");
  return { status: statusCode, headers: mapped, body: Buffer.from(text, "base64") };
}
