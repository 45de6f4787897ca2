/**
 * Settings of the platform's own resources that the stacks and the local cloud must both apply,
 * kept here as data so that neither can drift from the other.
 */

/** Where uploads land before imaging promotes them; the lifecycle expires what is left there. */
export const TMP_PREFIX = "tmp/";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const TMP_KEY = new RegExp(`^tmp/([a-z-]+)/([A-Za-z0-9_-]+)/(${UUID})_(\\d+)\\.([a-z0-9]+)$`);

/**
 * The parts of an upload's key as the upload API chooses it
 * (`tmp/<purpose>/<entity>/<fileId>_<ms>.<ext>`), or undefined for any other key.
 */
export function parseTmpKey(
  key: string,
): { purpose: string; entityId: string; fileId: string } | undefined {
  const match = TMP_KEY.exec(key);
  if (!match) return undefined;
  const [, purpose = "", entityId = "", fileId = ""] = match;
  return { purpose, entityId, fileId };
}

export interface CorsRule {
  allowedOrigins: string[];
  allowedMethods: ("GET" | "HEAD" | "PUT" | "POST" | "DELETE")[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number;
}

/** Browser uploads straight to the bucket: presigned PUT/POST, multipart parts, and reads. */
export function uploadsBucketCors(origins: string[]): CorsRule {
  return {
    allowedOrigins: origins,
    allowedMethods: ["GET", "HEAD", "PUT", "POST"],
    allowedHeaders: ["*"],
    // Multipart clients read each part's ETag to complete the upload.
    exposeHeaders: ["ETag"],
    maxAgeSeconds: 3600,
  };
}

/**
 * What Lambda does when an asynchronously invoked function (every event subscriber) keeps
 * failing: retry twice (Lambda's maximum), then send the event to the function's failure queue.
 */
export const ASYNC_RETRY_ATTEMPTS = 2;

export interface ApiCors {
  allowOrigins: string[];
  allowMethods: ("GET" | "POST" | "PUT" | "PATCH" | "DELETE")[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number;
}

/** The HTTP API's CORS: what browsers calling the upload API may send and read. */
export function apiCors(origins: string[]): ApiCors {
  return {
    allowOrigins: origins,
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    allowHeaders: ["authorization", "content-type", "x-api-key", "idempotency-key"],
    exposeHeaders: ["location", "retry-after"],
    maxAgeSeconds: 3600,
  };
}

/** The audience the local issuer's tokens carry and the local door expects. */
export const LOCAL_AUDIENCE = "file-platform";

/** Content types the server door (a REST API) hands to functions base64-encoded. */
export const SERVER_API_BINARY_TYPES = [
  "multipart/form-data",
  "application/octet-stream",
  "image/*",
];

/** The usage plan server clients get unless given their own: requests/s, burst, requests/day. */
export const STANDARD_USAGE_PLAN = { rateLimit: 10, burstLimit: 20, quotaPerDay: 10_000 } as const;
