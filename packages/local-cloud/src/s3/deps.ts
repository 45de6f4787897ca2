import type { authenticate, contentSha256Mismatch } from "./auth.ts";
import type { S3Call } from "./call.ts";
import type { decodeAwsChunked } from "./chunked.ts";
import { type CreatedReason, type EventContext, objectCreated, objectDeleted } from "./events.ts";
import type { MultipartUploads } from "./multipart.ts";
import type { S3EventSink, SecretLookup } from "./ports.ts";
import type { verifyPostPolicy } from "./post-policy.ts";
import type { S3Store } from "./store.ts";

/** Everything the S3 operations need, handed to each of them by the service. */
export interface S3Deps {
  store: S3Store;
  uploads: MultipartUploads;
  secrets: SecretLookup;
  emit: S3EventSink;
  region: string;
  accountId: string;
  now: () => Date;
  authenticate: typeof authenticate;
  decode: typeof decodeAwsChunked;
  sha256Mismatch: typeof contentSha256Mismatch;
  verifyPostPolicy: typeof verifyPostPolicy;
  log: (line: string) => void;
}

function context(deps: S3Deps, call: S3Call): EventContext {
  const address = call.req.socket.remoteAddress ?? "127.0.0.1";
  return {
    account: deps.accountId,
    region: deps.region,
    requestId: call.requestId,
    sourceIp: address.replace(/^::ffff:/, ""),
    time: deps.now(),
  };
}

// Events go out only once the change is committed to disk. A failing sink must not turn a stored
// object into a failed request (the client would retry a write that happened), so it is logged.
function send(deps: S3Deps, build: () => Parameters<S3EventSink>[0]): void {
  try {
    deps.emit(build());
  } catch (error) {
    deps.log(`s3: event sink failed: ${(error as Error).stack ?? String(error)}`);
  }
}

export function emitCreated(
  deps: S3Deps,
  call: S3Call,
  bucket: string,
  object: { key: string; size: number; etag: string; sequencer: string },
  reason: CreatedReason,
): void {
  send(deps, () => objectCreated(bucket, object, reason, context(deps, call)));
}

export function emitDeleted(
  deps: S3Deps,
  call: S3Call,
  bucket: string,
  key: string,
  sequencer: string,
): void {
  send(deps, () => objectDeleted(bucket, { key, sequencer }, context(deps, call)));
}
