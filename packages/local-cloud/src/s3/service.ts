import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate, contentSha256Mismatch } from "./auth.ts";
import { discardBody, parseTarget, type S3Call } from "./call.ts";
import { decodeAwsChunked } from "./chunked.ts";
import { actualCorsHeaders, type CorsRule, checkRule, preflight } from "./cors.ts";
import type { S3Deps } from "./deps.ts";
import { internalError } from "./error-codes.ts";
import { errorXml, S3Error } from "./errors.ts";
import { MultipartUploads } from "./multipart.ts";
import type { S3EventSink, SecretLookup } from "./ports.ts";
import { verifyPostPolicy } from "./post-policy.ts";
import { route } from "./routes.ts";
import type { S3Store } from "./store.ts";

/**
 * The S3 REST API, path-style (`/<bucket>/<key>`), over the on-disk store. Every request is
 * authenticated before anything else happens (POST uploads by their policy instead, CORS
 * preflights not at all), and every answer carries S3's request id and, for a matching Origin,
 * the bucket's CORS headers, errors included.
 */

export interface S3ServiceOptions {
  store: S3Store;
  secrets: SecretLookup;
  emit: S3EventSink;
  region: string;
  accountId: string;
  now?: () => Date;
  /** SigV4 verification; tests may swap it, the platform never does. */
  authenticate?: typeof authenticate;
  /** Buckets that must exist at start, with their CORS rules (set again on every start). */
  buckets?: { name: string; cors?: CorsRule[] }[];
  log?: (line: string) => void;
}

export interface S3Service {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Settles once the configured buckets exist; requests wait for it on their own. */
  ready: Promise<void>;
}

export function createS3Service(options: S3ServiceOptions): S3Service {
  const deps: S3Deps = {
    store: options.store,
    uploads: new MultipartUploads(options.store),
    secrets: options.secrets,
    emit: options.emit,
    region: options.region,
    accountId: options.accountId,
    now: options.now ?? (() => new Date()),
    authenticate: options.authenticate ?? authenticate,
    decode: decodeAwsChunked,
    sha256Mismatch: contentSha256Mismatch,
    verifyPostPolicy,
    log: options.log ?? ((line) => console.error(line)),
  };
  const ready = provision(options.store, options.buckets ?? []);
  // Requests report a failed provisioning (as 500s); an unobserved rejection must not end the process.
  ready.catch((error: unknown) =>
    deps.log(`s3: could not create the configured buckets: ${String(error)}`),
  );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    res.setHeader("x-amz-request-id", requestId);
    res.setHeader("x-amz-id-2", randomBytes(48).toString("base64"));
    res.setHeader("server", "AmazonS3");
    const method = req.method ?? "GET";
    const call: S3Call = {
      req,
      res,
      requestId,
      now: deps.now(),
      bucket: "",
      key: "",
      query: new Map(),
      payload: { kind: "unsigned" },
    };
    try {
      await ready;
      Object.assign(call, parseTarget(req.url ?? "/"));
      if (method === "OPTIONS") return answerPreflight(deps, call);
      const rules = bucketRules(deps, call.bucket);
      const cors = actualCorsHeaders(rules ?? undefined, req.headers.origin, method);
      for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);

      const operation = route(method, call);
      if (operation.auth === "sigv4") {
        const request = { method, url: req.url ?? "/", headers: req.headers };
        call.payload = deps.authenticate(request, deps.secrets, call.now).payload;
      }
      await operation.run(deps, call);
    } catch (error) {
      sendError(deps, call, error, method === "HEAD");
    } finally {
      discardBody(req, res);
    }
  }

  return { handle, ready };
}

async function provision(
  store: S3Store,
  buckets: { name: string; cors?: CorsRule[] }[],
): Promise<void> {
  for (const bucket of buckets) {
    if (!store.hasBucket(bucket.name)) await store.createBucket(bucket.name);
    if (bucket.cors) {
      bucket.cors.forEach(checkRule);
      await store.setBucketCors(bucket.name, bucket.cors);
    }
  }
}

/** The bucket's CORS rules; undefined without a configuration, null without a bucket. */
function bucketRules(deps: S3Deps, bucket: string): CorsRule[] | undefined | null {
  if (!deps.store.hasBucket(bucket)) return null;
  return deps.store.getBucket(bucket).cors;
}

function answerPreflight(deps: S3Deps, call: S3Call): void {
  const headers = preflight(
    bucketRules(deps, call.bucket),
    call.req.headers,
    call.key ? "OBJECT" : "BUCKET",
  );
  call.res.writeHead(200, { ...headers, "content-length": 0 });
  call.res.end();
}

function sendError(deps: S3Deps, call: S3Call, error: unknown, head: boolean): void {
  const { req, res } = call;
  if (!(error instanceof S3Error)) {
    deps.log(`s3: ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`);
  }
  const failure = error instanceof S3Error ? error : internalError();
  // Once the answer has started (a GET streaming its body) the only honest signal left is to cut it.
  if (res.headersSent) return void res.destroy();
  discardBody(req, res);
  if (head) {
    res.writeHead(failure.status);
    return void res.end();
  }
  const resource = call.bucket ? `/${call.bucket}${call.key ? `/${call.key}` : ""}` : "/";
  const body = errorXml(failure, resource, call.requestId);
  res.writeHead(failure.status, {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}
