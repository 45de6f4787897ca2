import type { IncomingHttpHeaders } from "node:http";

/**
 * The seams between the S3 emulator's parts: request authentication (SigV4, presigned URLs,
 * POST policies), the object store, and the event sink that puts S3's events on the bus.
 */

/** Looks up the secret for an access key; undefined when the key is unknown. */
export type SecretLookup = (accessKeyId: string) => string | undefined;

export interface IncomingS3Request {
  method: string;
  /** Path and query exactly as received (still percent-encoded). */
  url: string;
  headers: IncomingHttpHeaders;
}

/** How the request's body is to be read and checked once authentication has passed. */
export type PayloadMode =
  /** x-amz-content-sha256 is the hex SHA-256 of the body: verify it after reading. */
  | { kind: "sha256"; expected: string }
  /** UNSIGNED-PAYLOAD (presigned URLs, some clients): nothing to verify. */
  | { kind: "unsigned" }
  /** aws-chunked framing; chunk signatures verified when `signed` (STREAMING-AWS4-HMAC-SHA256-PAYLOAD*). */
  | {
      kind: "aws-chunked";
      signed: boolean;
      /** A trailer (checksum) follows the last chunk. */
      trailer: boolean;
      /** Needed to verify chunk signatures: the seed signature and signing material. */
      seedSignature?: string;
      signingKey?: Uint8Array;
      scope?: string;
      amzDate?: string;
      /** Decoded length announced in x-amz-decoded-content-length. */
      decodedLength?: number;
    };

export interface AuthenticatedRequest {
  /** "header" (Authorization: AWS4-HMAC-SHA256 …) or "presigned" (X-Amz-* query parameters). */
  via: "header" | "presigned";
  accessKeyId: string;
  region: string;
  payload: PayloadMode;
}

/** The event S3 puts on the account's default bus (detail-type "Object Created"/"Object Deleted"). */
export interface S3BusEvent {
  version: "0";
  id: string;
  "detail-type": "Object Created" | "Object Deleted";
  source: "aws.s3";
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export type S3EventSink = (event: S3BusEvent) => void;
