/**
 * Where the code runs and the delivery policy that follows. The cloud is the default: the local
 * platform says `PLATFORM_RUNTIME=local` (packages/local-cloud), and only then are plain-http
 * loopback receivers allowed and the waits shortened so that tests stay quick.
 */
export type Runtime = "cloud" | "local";

export function runtimeOf(env: Record<string, string | undefined> = process.env): Runtime {
  return env.PLATFORM_RUNTIME === "local" ? "local" : "cloud";
}

export interface DeliveryPolicy {
  /** HTTP attempts per delivery in one run of the fan-out (Lambda's retries add runs). */
  attempts: number;
  /** Full jitter: before retry n (1, 2, …) a wait random in [0, min(maxDelay, base * 2^(n-1))). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Each attempt must have its answer's status line within this (connect and send included). */
  attemptTimeoutMs: number;
  /** Once the status has come, how long the excerpt of the body is read; it never changes the outcome. */
  excerptWaitMs: number;
  /** A Retry-After longer than this ends the run; the delivery waits for the next one. */
  maxRetryAfterMs: number;
  /** Consecutive failed deliveries after which a webhook is disabled. */
  disableAfter: number;
  /** How long a "received" notice waits for the file's owner (upload.file.requested) to be known. */
  ownerWaitMs: number;
  /**
   * While the bytes are younger than this (by S3's event time) and their owner still unknown,
   * the run fails before publishing anything and Lambda retries; older, the notice goes out
   * without an owner. Set between Lambda's retries so that the last one publishes: in the cloud
   * they come ~1 and ~3 minutes after the event; locally ~3 s and ~7 s (runs wait 2 s each).
   */
  ownerGraceMs: number;
  /** Bytes of a receiver's answer kept with the delivery record. */
  excerptBytes: number;
}

export const POLICIES: Record<Runtime, DeliveryPolicy> = {
  cloud: {
    attempts: 5,
    baseDelayMs: 1_000,
    maxDelayMs: 16_000,
    attemptTimeoutMs: 10_000,
    excerptWaitMs: 1_000,
    maxRetryAfterMs: 30_000,
    disableAfter: 20,
    ownerWaitMs: 5_000,
    ownerGraceMs: 120_000,
    excerptBytes: 256,
  },
  local: {
    attempts: 3,
    baseDelayMs: 50,
    maxDelayMs: 400,
    attemptTimeoutMs: 3_000,
    excerptWaitMs: 500,
    maxRetryAfterMs: 2_000,
    disableAfter: 3,
    ownerWaitMs: 2_000,
    ownerGraceMs: 5_000,
    excerptBytes: 256,
  },
};

/** Webhooks an owner may register. */
export const MAX_WEBHOOKS_PER_OWNER = 10;
