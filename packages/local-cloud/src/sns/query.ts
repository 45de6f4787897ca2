import type { ServerResponse } from "node:http";
import { escapeXml } from "../xml-escape.ts";
import { missingParameter, type SnsError } from "./errors.ts";

/**
 * The awsQuery protocol SNS speaks: form-encoded parameters in (`Action=Publish&Version=2010-03-31`,
 * maps as `Attributes.entry.1.key`, lists as `Entries.member.1.Id`), XML out.
 */

export const SNS_NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/";

/** A request's flat parameters, or the part of them under one prefix (a list member, a map entry). */
export class QueryParams {
  constructor(
    private readonly values: URLSearchParams,
    private readonly prefix = "",
  ) {}

  get(name: string): string | undefined {
    return this.values.get(this.prefix + name) ?? undefined;
  }

  required(name: string): string {
    const value = this.get(name);
    if (value === undefined) throw missingParameter(name);
    return value;
  }

  /** The parameters under `path.`, e.g. one member of a list. */
  at(path: string): QueryParams {
    return new QueryParams(this.values, `${this.prefix}${path}.`);
  }

  has(path: string): boolean {
    const full = `${this.prefix}${path}.`;
    for (const key of this.values.keys()) if (key.startsWith(full)) return true;
    return false;
  }

  /** `name.member.1`, `name.member.2`, … until one is missing. */
  members(name: string): QueryParams[] {
    const out: QueryParams[] = [];
    for (let n = 1; this.has(`${name}.member.${n}`); n++) out.push(this.at(`${name}.member.${n}`));
    return out;
  }

  /** `name.entry.N.<key>` / `name.entry.N.<value>`; the SDK names them key/value, or Name/Value for message attributes. */
  entries(name: string): QueryParams[] {
    const out: QueryParams[] = [];
    for (let n = 1; this.has(`${name}.entry.${n}`); n++) out.push(this.at(`${name}.entry.${n}`));
    return out;
  }

  /** A string-to-string map such as Attributes. */
  map(name: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const entry of this.entries(name))
      out.set(entry.get("key") ?? "", entry.get("value") ?? "");
    return out;
  }
}

/** What a response can hold: arrays become `<member>`s, Maps `<entry><key/><value/></entry>`s. */
export type XmlOut =
  | string
  | number
  | boolean
  | undefined
  | XmlOut[]
  | Map<string, string>
  | { [name: string]: XmlOut };

function toXml(value: XmlOut): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join("");
  if (value instanceof Map)
    return [...value]
      .map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${escapeXml(v)}</value></entry>`)
      .join("");
  if (typeof value === "object")
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join("");
  return escapeXml(String(value));
}

function sendXml(res: ServerResponse, status: number, body: string, requestId: string): void {
  const text = `<?xml version="1.0"?>\n${body}`;
  res.writeHead(status, {
    "content-type": "text/xml",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": requestId,
  });
  res.end(text);
}

/** `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…</ResponseMetadata></ActionResponse>`. */
export function sendResult(
  res: ServerResponse,
  action: string,
  result: { [name: string]: XmlOut } | undefined,
  requestId: string,
): void {
  const inner = result === undefined ? "" : `<${action}Result>${toXml(result)}</${action}Result>`;
  sendXml(
    res,
    200,
    `<${action}Response xmlns="${SNS_NAMESPACE}">${inner}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
    requestId,
  );
}

/** `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`, read by the SDK's query protocol. */
export function sendError(res: ServerResponse, error: SnsError, requestId: string): void {
  const fields = toXml({ Type: error.fault, Code: error.code, Message: error.message });
  sendXml(
    res,
    error.status,
    `<ErrorResponse xmlns="${SNS_NAMESPACE}"><Error>${fields}</Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    requestId,
  );
}
