import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * SigV4 building blocks as S3 applies them: single URI encoding of the path with no
 * normalisation, a sorted canonical query, and the scope `date/region/s3/aws4_request`.
 */

export const ALGORITHM = "AWS4-HMAC-SHA256";
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
export const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your key and signing method.";
/** S3 accepts a request dated this far from its clock (and a presigned URL this far ahead). */
export const MAX_SKEW_MS = 15 * 60 * 1000;

export const sha256Hex = (data: string | Uint8Array) =>
  createHash("sha256").update(data).digest("hex");

export const hmac = (key: Uint8Array | string, data: string) =>
  createHmac("sha256", key).update(data, "utf8").digest();

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secret}`, date);
  return hmac(hmac(hmac(kDate, region), service), "aws4_request");
}

/** Constant-time comparison of two hex signatures (case-insensitive, as S3 is). */
export function sameSignature(expected: string, provided: string): boolean {
  const a = Buffer.from(expected.toLowerCase());
  const b = Buffer.from(provided.toLowerCase());
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminal: string;
  /** `date/region/service/terminal`, the scope line of the string to sign. */
  scope: string;
}

/** `AKID/YYYYMMDD/region/service/aws4_request`; undefined when it has not that shape. */
export function parseCredential(value: string): Credential | undefined {
  const parts = value.split("/");
  const [accessKeyId, date, region, service, terminal] = parts;
  if (parts.length !== 5 || !accessKeyId || !date || !region || !service || !terminal) {
    return undefined;
  }
  if (!/^\d{8}$/.test(date)) return undefined;
  return { accessKeyId, date, region, service, terminal, scope: parts.slice(1).join("/") };
}

/** `2024-01-01T00:00:00Z`, the form S3 uses for times in error bodies. */
export const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

/** `yyyyMMdd'T'HHmmss'Z'`, the SigV4 timestamp. */
export const amzDate = (date: Date) => isoSeconds(date).replace(/[-:]/g, "");

/** An x-amz-date as a Date; undefined when malformed or not a real instant. */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const date = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s));
  return amzDate(date) === value ? date : undefined;
}

/** Percent-decodes to bytes (a `+` stays a `+`); undefined on a stray `%`. */
export function percentDecode(text: string): Buffer | undefined {
  if (/%(?![0-9a-fA-F]{2})/.test(text)) return undefined;
  const parts = text.split(/(%[0-9a-fA-F]{2})/);
  return Buffer.concat(
    parts.map((part, i) =>
      i % 2 === 1 ? Buffer.from([Number.parseInt(part.slice(1), 16)]) : Buffer.from(part, "utf8"),
    ),
  );
}

/** RFC 3986 encoding of every byte but the unreserved ones (and `/` when kept). */
export function uriEncode(bytes: Uint8Array, keepSlash: boolean): string {
  let out = "";
  for (const byte of bytes) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The path as S3 canonicalises it: decoded once, encoded once; undefined if undecodable. */
export function canonicalUri(rawPath: string): string | undefined {
  const bytes = percentDecode(rawPath);
  if (bytes === undefined) return undefined;
  const encoded = uriEncode(bytes, true);
  return encoded === "" ? "/" : encoded;
}

/** Decoded `[name, value]` pairs of a raw query string, in order; undefined if undecodable. */
export function parseQuery(rawQuery: string): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = percentDecode(eq < 0 ? part : part.slice(0, eq));
    const value = percentDecode(eq < 0 ? "" : part.slice(eq + 1));
    if (name === undefined || value === undefined) return undefined;
    pairs.push([name.toString("utf8"), value.toString("utf8")]);
  }
  return pairs;
}

/** Re-encoded pairs sorted by name then value (byte order), `X-Amz-Signature` left out. */
export function canonicalQuery(pairs: [string, string][], omit?: string): string {
  return pairs
    .filter(([name]) => name !== omit)
    .map(([n, v]) => [uriEncode(Buffer.from(n), false), uriEncode(Buffer.from(v), false)])
    .sort(([an = "", av = ""], [bn = "", bv = ""]) =>
      an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0,
    )
    .map(([n, v]) => `${n}=${v}`)
    .join("&");
}

/** A header's value as received, repeated values joined with commas. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

export function canonicalHeaders(headers: IncomingHttpHeaders, signed: string[]): string {
  return signed
    .map((name) => `${name}:${(headerValue(headers, name) ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
}

export interface CanonicalParts {
  method: string;
  uri: string;
  query: string;
  headers: IncomingHttpHeaders;
  signedHeaders: string[];
  payloadHash: string;
}

export function canonicalRequest(p: CanonicalParts): string {
  return [
    p.method,
    p.uri,
    p.query,
    canonicalHeaders(p.headers, p.signedHeaders),
    p.signedHeaders.join(";"),
    p.payloadHash,
  ].join("\n");
}

export const stringToSign = (timestamp: string, scope: string, canonical: string) =>
  [ALGORITHM, timestamp, scope, sha256Hex(canonical)].join("\n");

/** `41 57 53 34 …`: how S3 spells out bytes in StringToSignBytes / CanonicalRequestBytes. */
export const spacedHex = (text: string) =>
  Array.from(Buffer.from(text, "utf8"), (b) => b.toString(16).padStart(2, "0")).join(" ");
