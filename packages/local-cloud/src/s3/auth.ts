import { S3Error } from "./errors.ts";
import type {
  AuthenticatedRequest,
  IncomingS3Request,
  PayloadMode,
  SecretLookup,
} from "./ports.ts";
import {
  ALGORITHM,
  type Credential,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  headerValue,
  hmac,
  isoSeconds,
  MAX_SKEW_MS,
  parseAmzDate,
  parseCredential,
  parseQuery,
  SIGNATURE_MISMATCH,
  sameSignature,
  signingKey,
  spacedHex,
  stringToSign,
} from "./sigv4.ts";

/**
 * SigV4 authentication of an S3 request, by Authorization header or presigned query, refusing
 * with the codes and messages S3 itself sends so the local platform fails where AWS would.
 */

const MAX_EXPIRES = 604_800;
const STREAMING = new Map([
  ["STREAMING-UNSIGNED-PAYLOAD-TRAILER", { signed: false, trailer: true }],
  ["STREAMING-AWS4-HMAC-SHA256-PAYLOAD", { signed: true, trailer: false }],
  ["STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", { signed: true, trailer: true }],
]);
const SIGV4A_PAYLOADS = [
  "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
  "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
];

/** What header and query signing have in common once parsed. */
interface SignedParts {
  via: "header" | "presigned";
  credential: Credential;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  date: Date;
  payloadHash: string;
  /** X-Amz-Expires, presigned only. */
  expires?: string;
}

export function authenticate(
  req: IncomingS3Request,
  secrets: SecretLookup,
  now: Date,
): AuthenticatedRequest {
  const target = req.url.replace(/^[a-z]+:\/\/[^/]*/i, "");
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const pairs = parseQuery(q < 0 ? "" : target.slice(q + 1));
  const uri = canonicalUri(path);
  if (pairs === undefined || uri === undefined) {
    throw new S3Error("InvalidURI", "Couldn't parse the specified URI.", 400, { URI: target });
  }
  const authorization = headerValue(req.headers, "authorization");
  const param = (name: string) => pairs.find(([n]) => n === name)?.[1];
  const queryAuth = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"].some(
    (name) => param(name) !== undefined,
  );
  if (authorization !== undefined && queryAuth) {
    throw new S3Error(
      "InvalidArgument",
      "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
      400,
      { ArgumentName: "Authorization", ArgumentValue: authorization },
    );
  }
  if (authorization === undefined && !queryAuth) {
    if (param("AWSAccessKeyId") !== undefined) throw unsupportedMechanism();
    throw new S3Error("AccessDenied", "Access Denied", 403);
  }
  const parts =
    authorization !== undefined ? fromHeader(req, authorization) : fromQuery(req, param);

  const secret = secrets(parts.credential.accessKeyId);
  if (secret === undefined) {
    throw new S3Error(
      "InvalidAccessKeyId",
      "The AWS Access Key Id you provided does not exist in our records.",
      403,
      { AWSAccessKeyId: parts.credential.accessKeyId },
    );
  }
  requireSigned(req, parts.signedHeaders);
  checkTime(parts, now);

  const canonical = canonicalRequest({
    method: req.method,
    uri,
    query: canonicalQuery(pairs, parts.via === "presigned" ? "X-Amz-Signature" : undefined),
    headers: req.headers,
    signedHeaders: parts.signedHeaders,
    payloadHash: parts.payloadHash,
  });
  const { scope, date, region, accessKeyId } = parts.credential;
  const toSign = stringToSign(parts.amzDate, scope, canonical);
  const key = signingKey(secret, date, region, "s3");
  if (!sameSignature(hmac(key, toSign).toString("hex"), parts.signature)) {
    throw new S3Error("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403, {
      AWSAccessKeyId: accessKeyId,
      StringToSign: toSign,
      SignatureProvided: parts.signature,
      StringToSignBytes: spacedHex(toSign),
      CanonicalRequest: canonical,
      CanonicalRequestBytes: spacedHex(canonical),
    });
  }
  const payload = payloadMode(req, parts, key);
  return { via: parts.via, accessKeyId, region, payload };
}

/** S3's refusal of a body whose SHA-256 is not the signed x-amz-content-sha256. */
export function contentSha256Mismatch(expected: string, computed: string): S3Error {
  return new S3Error(
    "XAmzContentSHA256Mismatch",
    "The provided 'x-amz-content-sha256' header does not match what was computed.",
    400,
    { ClientComputedContentSHA256: expected, S3ComputedContentSHA256: computed },
  );
}

/** SigV2 and SigV4a: S3 in post-2014 regions answers this, and so does the emulator. */
const unsupportedMechanism = () =>
  new S3Error(
    "InvalidRequest",
    "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
    400,
  );

function fromHeader(req: IncomingS3Request, authorization: string): SignedParts {
  const malformed = (detail: string) =>
    new S3Error(
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; ${detail}`,
      400,
    );
  const space = authorization.indexOf(" ");
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  if (algorithm === "AWS" || algorithm === "AWS4-ECDSA-P256-SHA256") throw unsupportedMechanism();
  if (algorithm !== ALGORITHM) {
    throw new S3Error("InvalidArgument", "Unsupported Authorization Type", 400, {
      ArgumentName: "Authorization",
      ArgumentValue: authorization,
    });
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(space + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credentialText = fields.get("Credential");
  const signed = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credentialText || !signed || !signature) {
    throw malformed(
      "the authorization header requires three components: Credential, SignedHeaders, and Signature.",
    );
  }
  const credential = checkCredential(credentialText, malformed);
  const payloadHash = headerValue(req.headers, "x-amz-content-sha256");
  if (payloadHash === undefined) {
    throw new S3Error(
      "InvalidRequest",
      "Missing required header for this request: x-amz-content-sha256",
      400,
    );
  }
  checkPayloadHash(payloadHash);
  const amzDate = headerValue(req.headers, "x-amz-date") ?? "";
  const date = parseAmzDate(amzDate);
  if (date === undefined) {
    throw new S3Error(
      "AccessDenied",
      "AWS authentication requires a valid Date or x-amz-date header",
      403,
    );
  }
  if (credential.date !== amzDate.slice(0, 8)) {
    throw malformed(
      `Invalid credential date. Date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`,
    );
  }
  return {
    via: "header",
    credential,
    signedHeaders: signed.split(";"),
    signature,
    amzDate,
    date,
    payloadHash,
  };
}

function fromQuery(
  req: IncomingS3Request,
  param: (name: string) => string | undefined,
): SignedParts {
  const invalid = (message: string) =>
    new S3Error("AuthorizationQueryParametersError", message, 400);
  const [algorithm, credentialText, signature, amzDate, signed, expires] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
  ].map(param);
  if (!algorithm || !credentialText || !signature || !amzDate || !signed || expires === undefined) {
    throw invalid(
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    );
  }
  if (algorithm !== ALGORITHM) throw invalid(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const credential = checkCredential(credentialText, (detail) =>
    invalid(`Error parsing the X-Amz-Credential parameter; ${detail}`),
  );
  const date = parseAmzDate(amzDate);
  if (date === undefined) {
    throw invalid(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  }
  if (credential.date !== amzDate.slice(0, 8)) {
    throw invalid(
      `Invalid credential date "${credential.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`,
    );
  }
  if (/^-\d+$/.test(expires)) throw invalid("X-Amz-Expires must be non-negative");
  if (!/^\d+$/.test(expires)) throw invalid("X-Amz-Expires should be a number");
  if (Number(expires) > MAX_EXPIRES) {
    throw invalid(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_EXPIRES}`);
  }
  const signedHeaders = signed.split(";");
  const payloadHash =
    param("X-Amz-Content-Sha256") ??
    (signedHeaders.includes("x-amz-content-sha256")
      ? headerValue(req.headers, "x-amz-content-sha256")
      : undefined) ??
    "UNSIGNED-PAYLOAD";
  checkPayloadHash(payloadHash);
  return {
    via: "presigned",
    credential,
    signedHeaders,
    signature,
    amzDate,
    date,
    payloadHash,
    expires,
  };
}

function checkCredential(text: string, malformed: (detail: string) => S3Error): Credential {
  const credential = parseCredential(text);
  if (credential === undefined) {
    throw malformed(
      `the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`,
    );
  }
  if (credential.service !== "s3") {
    throw malformed(`incorrect service "${credential.service}". This endpoint belongs to "s3".`);
  }
  if (credential.terminal !== "aws4_request") {
    throw malformed(
      `incorrect terminal "${credential.terminal}". This endpoint uses "aws4_request".`,
    );
  }
  return credential;
}

function checkPayloadHash(value: string): void {
  if (SIGV4A_PAYLOADS.includes(value)) {
    throw new S3Error(
      "NotImplemented",
      "A header you provided implies functionality that is not implemented",
      501,
      { Header: "x-amz-content-sha256" },
    );
  }
  if (value === "UNSIGNED-PAYLOAD" || STREAMING.has(value) || /^[0-9a-fA-F]{64}$/.test(value))
    return;
  throw new S3Error(
    "InvalidArgument",
    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
    400,
    { ArgumentName: "x-amz-content-sha256", ArgumentValue: value },
  );
}

/** The host and every x-amz-* header sent must be covered by the signature. */
function requireSigned(req: IncomingS3Request, signedHeaders: string[]): void {
  const unsigned = Object.entries(req.headers)
    .filter(([name, value]) => value !== undefined && !signedHeaders.includes(name))
    .map(([name]) => name)
    .filter((name) => name === "host" || name.startsWith("x-amz-"));
  if (!signedHeaders.includes("host") && req.headers.host === undefined) unsigned.unshift("host");
  if (unsigned.length > 0) {
    throw new S3Error(
      "AccessDenied",
      "There were headers present in the request which were not signed",
      403,
      { HeadersNotSigned: unsigned.join(", ") },
    );
  }
}

function checkTime(parts: SignedParts, now: Date): void {
  const offset = parts.date.getTime() - now.getTime();
  if (parts.via === "header") {
    if (Math.abs(offset) <= MAX_SKEW_MS) return;
    throw new S3Error(
      "RequestTimeTooSkewed",
      "The difference between the request time and the current time is too large.",
      403,
      {
        RequestTime: parts.amzDate,
        ServerTime: isoSeconds(now),
        MaxAllowedSkewMilliseconds: MAX_SKEW_MS,
      },
    );
  }
  if (offset > MAX_SKEW_MS) throw new S3Error("AccessDenied", "Request is not valid yet", 403);
  const expiresAt = new Date(parts.date.getTime() + Number(parts.expires) * 1000);
  if (now.getTime() > expiresAt.getTime()) {
    throw new S3Error("AccessDenied", "Request has expired", 403, {
      "X-Amz-Expires": parts.expires ?? "",
      Expires: isoSeconds(expiresAt),
      ServerTime: isoSeconds(now),
    });
  }
}

function payloadMode(req: IncomingS3Request, parts: SignedParts, key: Buffer): PayloadMode {
  const hash = parts.payloadHash;
  if (hash === "UNSIGNED-PAYLOAD") return { kind: "unsigned" };
  const streaming = STREAMING.get(hash);
  if (streaming === undefined) return { kind: "sha256", expected: hash.toLowerCase() };
  // S3 stores a known length, so aws-chunked bodies must announce the decoded one.
  const decoded = headerValue(req.headers, "x-amz-decoded-content-length");
  if (decoded === undefined || !/^\d+$/.test(decoded)) {
    throw new S3Error(
      "MissingContentLength",
      "You must provide the Content-Length HTTP header.",
      411,
    );
  }
  return {
    kind: "aws-chunked",
    ...streaming,
    seedSignature: parts.signature.toLowerCase(),
    signingKey: key,
    scope: parts.credential.scope,
    amzDate: parts.amzDate,
    decodedLength: Number(decoded),
  };
}
