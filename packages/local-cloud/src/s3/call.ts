import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { PassThrough, type Readable } from "node:stream";
import type { contentSha256Mismatch } from "./auth.ts";
import { badDigest, createChecksum, type decodeAwsChunked } from "./chunked.ts";
import { invalidArgument } from "./error-codes.ts";
import { S3Error } from "./errors.ts";
import { entityTooLarge, MAX_OBJECT_SIZE, type WrittenBlob } from "./files.ts";
import type { ChecksumAlgorithm } from "./object-model.ts";
import type { PayloadMode } from "./ports.ts";
import { parseQuery, percentDecode } from "./sigv4.ts";

/** One S3 request on its way through the service: where it points and how to read its body. */
export interface S3Call {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  now: Date;
  /** "" for the service itself (ListBuckets). */
  bucket: string;
  /** "" for the bucket itself. */
  key: string;
  /** Decoded query parameters; the first value of each name. */
  query: Map<string, string>;
  /** How the body must be read, as authentication decided (unsigned before it has run). */
  payload: PayloadMode;
}

/** Splits a path-style URL into bucket, key and query; S3's InvalidURI when undecodable. */
export function parseTarget(url: string): {
  bucket: string;
  key: string;
  query: Map<string, string>;
} {
  const target = url.replace(/^[a-z]+:\/\/[^/]*/i, "");
  const q = target.indexOf("?");
  const path = percentDecode(q < 0 ? target : target.slice(0, q));
  const pairs = parseQuery(q < 0 ? "" : target.slice(q + 1));
  if (!path || !pairs || path[0] !== 0x2f) {
    throw new S3Error("InvalidURI", "Couldn't parse the specified URI.", 400, { URI: target });
  }
  const rest = path.subarray(1).toString("utf8");
  const slash = rest.indexOf("/");
  const query = new Map<string, string>();
  for (const [name, value] of pairs) if (!query.has(name)) query.set(name, value);
  return {
    bucket: slash < 0 ? rest : rest.slice(0, slash),
    key: slash < 0 ? "" : rest.slice(slash + 1),
    query,
  };
}

export const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
};

/**
 * The body as the store reads it: detached from the socket (so a refusal mid-body leaves the
 * connection able to answer) and decoded from aws-chunked framing when it was sent that way.
 */
export function bodyOf(call: S3Call, decode: typeof decodeAwsChunked): Readable {
  const { req } = call;
  const detached = new PassThrough();
  req.on("error", (error) => detached.destroy(error));
  req.on("close", () => {
    if (!req.complete) detached.destroy(incompleteBody());
  });
  req.pipe(detached);
  if (call.payload.kind !== "aws-chunked") return detached;
  return decode(call.payload, detached, { trailer: header(req, "x-amz-trailer") });
}

export const incompleteBody = () =>
  new S3Error(
    "IncompleteBody",
    "You did not provide the number of bytes specified by the Content-Length HTTP header",
    400,
  );

/**
 * PUT bodies must announce their length (decoded, for aws-chunked), as S3 stores a known size;
 * over 5 GiB S3 refuses before reading a byte.
 */
export function checkDeclaredLength(call: S3Call): void {
  const declared =
    header(call.req, "x-amz-decoded-content-length") ?? header(call.req, "content-length");
  if (declared === undefined) {
    throw new S3Error(
      "MissingContentLength",
      "You must provide the Content-Length HTTP header.",
      411,
    );
  }
  if (Number(declared) > MAX_OBJECT_SIZE) throw entityTooLarge(Number(declared), MAX_OBJECT_SIZE);
}

/** What the headers promise about the body, checked as it streams by and before it is committed. */
export interface BodyChecks {
  observe(chunk: Buffer): void;
  verify(blob: WrittenBlob): void;
  /** The x-amz-checksum-* the client sent, stored with the object. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

const CHECKSUM_HEADER = /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/;

export function bodyChecks(call: S3Call, sha256Mismatch: typeof contentSha256Mismatch): BodyChecks {
  const { payload, req } = call;
  const sha256 = payload.kind === "sha256" ? createHash("sha256") : undefined;
  const contentMd5 = header(req, "content-md5");
  if (contentMd5 !== undefined && Buffer.from(contentMd5, "base64").length !== 16) {
    throw new S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.", 400, {
      "Content-MD5": contentMd5,
    });
  }
  const checksumHeader = Object.keys(req.headers).find((name) => CHECKSUM_HEADER.test(name));
  const checksum = checksumHeader ? createChecksum(checksumHeader) : undefined;
  const sent = checksumHeader ? header(req, checksumHeader) : undefined;
  return {
    observe(chunk) {
      sha256?.update(chunk);
      checksum?.update(chunk);
    },
    verify(blob) {
      if (sha256 && payload.kind === "sha256") {
        const computed = sha256.digest("hex");
        if (computed !== payload.expected) throw sha256Mismatch(payload.expected, computed);
      }
      if (contentMd5 !== undefined && Buffer.from(contentMd5, "base64").compare(blob.md5) !== 0) {
        throw new S3Error(
          "BadDigest",
          "The Content-MD5 you specified did not match what we received.",
          400,
          {
            ExpectedDigest: contentMd5,
            CalculatedDigest: blob.md5.toString("base64"),
          },
        );
      }
      if (checksum && checksumHeader && checksum.digest().toString("base64") !== sent) {
        throw badDigest(checksumHeader);
      }
    },
    ...(checksumHeader && sent
      ? {
          checksum: {
            algorithm: checksumHeader
              .slice("x-amz-checksum-".length)
              .toUpperCase() as ChecksumAlgorithm,
            value: sent,
          },
        }
      : {}),
  };
}

/** Reads a small body (XML of DeleteObjects, CompleteMultipartUpload, CORS) with all its checks. */
export async function readSmallBody(
  call: S3Call,
  tools: { decode: typeof decodeAwsChunked; sha256Mismatch: typeof contentSha256Mismatch },
  limit = 2 * 1024 * 1024,
): Promise<string> {
  const checks = bodyChecks(call, tools.sha256Mismatch);
  const chunks: Buffer[] = [];
  const md5 = createHash("md5");
  let size = 0;
  for await (const chunk of bodyOf(call, tools.decode) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit)
      throw new S3Error("MaxMessageLengthExceeded", "Your request was too big.", 400);
    checks.observe(chunk);
    md5.update(chunk);
    chunks.push(chunk);
  }
  checks.verify({ path: "", size, md5: md5.digest() });
  return Buffer.concat(chunks).toString("utf8");
}

/** A non-negative integer query parameter (max-keys, max-parts …), or the default. */
export function integerParam(
  call: S3Call,
  name: string,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = call.query.get(name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) {
    throw invalidArgument(`Provided ${name} not an integer or within integer range`, name, value);
  }
  return Math.min(Number(value), max);
}

export function sendXml(
  call: S3Call,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  call.res.writeHead(status, {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  call.res.end(body);
}

export function sendEmpty(
  call: S3Call,
  status: number,
  headers: Record<string, string> = {},
): void {
  call.res.writeHead(status, {
    ...(status === 204 || status === 304 ? {} : { "content-length": 0 }),
    ...headers,
  });
  call.res.end();
}

/**
 * Before answering without having read the body: a small rest is drained so the connection can
 * serve the next request; a big one is not worth reading, so the connection closes instead.
 */
export function discardBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return;
  const declared = Number(req.headers["content-length"] ?? Number.POSITIVE_INFINITY);
  if (declared <= 16 * 1024 * 1024) {
    req.unpipe();
    req.resume();
  } else if (!res.headersSent) {
    res.setHeader("connection", "close");
  }
}
