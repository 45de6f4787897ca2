import type { IncomingHttpHeaders } from "node:http";
import { malformedXml } from "./error-codes.ts";
import { S3Error } from "./errors.ts";
import { children, el, node, text, type XmlNode, xmlDocument } from "./xml.ts";

/** A bucket's CORS rules, evaluated as S3 does: the first rule that allows the request wins. */
export interface CorsRule {
  id?: string;
  /** Origins, each with at most one `*` wildcard (`*` alone allows any origin). */
  allowedOrigins: string[];
  /** GET, PUT, POST, DELETE, HEAD. */
  allowedMethods: string[];
  /** Headers a preflight may ask for, case-insensitive, each with at most one `*`. */
  allowedHeaders?: string[];
  /** Response headers the browser may read (e.g. ETag). */
  exposeHeaders?: string[];
  maxAgeSeconds?: number;
}

const METHODS = new Set(["GET", "PUT", "POST", "DELETE", "HEAD"]);
const VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";
const NOT_ALLOWED =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

/** `*` matches any run of characters, at most once per pattern. */
function wildcardMatch(pattern: string, value: string): boolean {
  const star = pattern.indexOf("*");
  if (star < 0) return pattern === value;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  return (
    value.length >= head.length + tail.length && value.startsWith(head) && value.endsWith(tail)
  );
}

export function matchRule(
  rules: CorsRule[],
  origin: string,
  method: string,
  requestHeaders: string[] = [],
): CorsRule | undefined {
  return rules.find(
    (rule) =>
      rule.allowedMethods.includes(method) &&
      rule.allowedOrigins.some((pattern) => wildcardMatch(pattern, origin)) &&
      requestHeaders.every((header) =>
        (rule.allowedHeaders ?? []).some((pattern) => wildcardMatch(pattern.toLowerCase(), header)),
      ),
  );
}

/** The headers S3 adds for a matching rule (to preflights and to the actual requests). */
export function corsHeaders(
  rule: CorsRule,
  origin: string,
  requestHeaders: string[] = [],
): Record<string, string> {
  const anyOrigin = rule.allowedOrigins.includes("*");
  const headers: Record<string, string> = {
    "access-control-allow-origin": anyOrigin ? "*" : origin,
    "access-control-allow-methods": rule.allowedMethods.join(", "),
    vary: VARY,
  };
  // S3 allows credentials whenever it names the origin instead of answering `*`.
  if (!anyOrigin) headers["access-control-allow-credentials"] = "true";
  if (requestHeaders.length > 0)
    headers["access-control-allow-headers"] = requestHeaders.join(", ");
  if (rule.exposeHeaders?.length)
    headers["access-control-expose-headers"] = rule.exposeHeaders.join(", ");
  if (rule.maxAgeSeconds !== undefined)
    headers["access-control-max-age"] = String(rule.maxAgeSeconds);
  return headers;
}

/**
 * Answers an OPTIONS preflight: the headers to send with 200, or the error S3 answers with.
 * `rules` is undefined when the bucket has no CORS configuration, null when there is no bucket.
 */
export function preflight(
  rules: CorsRule[] | undefined | null,
  headers: IncomingHttpHeaders,
  resourceType: "BUCKET" | "OBJECT",
): Record<string, string> {
  const origin = headers.origin;
  const method = headers["access-control-request-method"];
  if (!origin)
    throw new S3Error("BadRequest", "Insufficient information. Origin request header needed.", 400);
  if (typeof method !== "string" || !method) {
    throw new S3Error("BadRequest", "Invalid Access-Control-Request-Method: null", 400);
  }
  const forbidden = (message: string, type: string) =>
    new S3Error("AccessForbidden", message, 403, { Method: method, ResourceType: type });
  if (rules === null) throw forbidden("CORSResponse: Bucket not found", "BUCKET");
  if (!rules) throw forbidden("CORSResponse: CORS is not enabled for this bucket.", "BUCKET");
  const requested = String(headers["access-control-request-headers"] ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const rule = matchRule(rules, origin, method, requested);
  if (!rule) throw forbidden(NOT_ALLOWED, resourceType);
  return corsHeaders(rule, origin, requested);
}

/** Headers for an actual (non-preflight) request from `origin`; none when no rule matches. */
export function actualCorsHeaders(
  rules: CorsRule[] | undefined,
  origin: string | undefined,
  method: string,
): Record<string, string> {
  if (!rules || !origin) return {};
  const rule = matchRule(rules, origin, method);
  return rule ? corsHeaders(rule, origin) : {};
}

export function corsToXml(rules: CorsRule[]): string {
  return xmlDocument(
    "CORSConfiguration",
    ...rules.map((rule) =>
      node(
        "CORSRule",
        el("ID", rule.id),
        ...(rule.allowedHeaders ?? []).map((h) => el("AllowedHeader", h)),
        ...rule.allowedMethods.map((m) => el("AllowedMethod", m)),
        ...rule.allowedOrigins.map((o) => el("AllowedOrigin", o)),
        ...(rule.exposeHeaders ?? []).map((h) => el("ExposeHeader", h)),
        el("MaxAgeSeconds", rule.maxAgeSeconds),
      ),
    ),
  );
}

/** Reads a PutBucketCors body, refusing what S3 refuses. */
export function corsFromXml(document: XmlNode): CorsRule[] {
  const [config] = children(document, "CORSConfiguration");
  const rules = children(config, "CORSRule").map((rule): CorsRule => {
    const list = (name: string) =>
      children(rule, name).filter((v): v is string => typeof v === "string");
    const maxAge = text(rule, "MaxAgeSeconds");
    const parsed: CorsRule = {
      ...(text(rule, "ID") !== undefined ? { id: text(rule, "ID") } : {}),
      allowedOrigins: list("AllowedOrigin"),
      allowedMethods: list("AllowedMethod"),
      allowedHeaders: list("AllowedHeader"),
      exposeHeaders: list("ExposeHeader"),
      ...(maxAge !== undefined ? { maxAgeSeconds: Number(maxAge) } : {}),
    };
    checkRule(parsed);
    return parsed;
  });
  if (rules.length === 0 || rules.length > 100) throw malformedXml();
  return rules;
}

export function checkRule(rule: CorsRule): void {
  if (rule.allowedOrigins.length === 0 || rule.allowedMethods.length === 0) throw malformedXml();
  const invalid = (message: string) => new S3Error("InvalidRequest", message, 400);
  for (const method of rule.allowedMethods) {
    if (!METHODS.has(method)) {
      throw invalid(
        `Found unsupported HTTP method in CORS config. Unsupported method is ${method}`,
      );
    }
  }
  for (const origin of rule.allowedOrigins) {
    if (origin.split("*").length > 2)
      throw invalid(`AllowedOrigin "${origin}" can not have more than one wildcard.`);
  }
  for (const header of rule.allowedHeaders ?? []) {
    if (header.split("*").length > 2)
      throw invalid(`AllowedHeader "${header}" can not have more than one wildcard.`);
  }
  if (rule.maxAgeSeconds !== undefined && !Number.isInteger(rule.maxAgeSeconds))
    throw malformedXml();
}
