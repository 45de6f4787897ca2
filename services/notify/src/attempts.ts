import type { Attempt } from "./ports.ts";
import type { DeliveryPolicy } from "./settings.ts";

/** How a run of attempts at one delivery ended. */
export interface RunResult {
  /** delivered: a 2xx; rejected: an answer retrying cannot change (4xx but 429, 3xx) or a refused address. */
  status: "delivered" | "failed" | "rejected";
  attempts: number;
  responseStatus?: number;
  responseExcerpt?: string;
  error?: string;
}

type Verdict = "delivered" | "retry" | "final";

/** Network errors, timeouts, 5xx and 429 are worth another try; other answers are not. */
export function verdictOf(attempt: Attempt): Verdict {
  if (attempt.kind === "answered") {
    if (attempt.status >= 200 && attempt.status < 300) return "delivered";
    return attempt.status === 429 || attempt.status >= 500 ? "retry" : "final";
  }
  return attempt.kind === "refused" ? "final" : "retry";
}

const DELAY_SECONDS = /^\d+$/;
const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Retry-After as milliseconds from now, in either form RFC 9110 sends: delay-seconds (digits
 * only) or an IMF-fixdate. Anything else ("1.5", "-1", other date formats) is ignored.
 */
export function retryAfterMs(header: string | undefined, now: Date): number | undefined {
  const value = header?.trim();
  if (value === undefined) return undefined;
  if (DELAY_SECONDS.test(value)) return Number(value) * 1000;
  if (!IMF_FIXDATE.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** Exponential backoff with full jitter: before retry n (1-based), a wait in [0, cap). */
export function backoffMs(retry: number, policy: DeliveryPolicy, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * cap);
}

function summary(attempt: Attempt, timeoutMs: number): Omit<RunResult, "status" | "attempts"> {
  switch (attempt.kind) {
    case "answered":
      return {
        responseStatus: attempt.status,
        responseExcerpt: attempt.excerpt,
        ...(attempt.status >= 300 ? { error: `HTTP ${attempt.status}` } : {}),
      };
    case "timeout":
      return { error: `no answer within ${timeoutMs} ms` };
    default:
      return { error: attempt.error };
  }
}

// After its last attempt a delivery's record and its webhook's count are written: keep time for that.
export const RECORD_MARGIN_MS = 2_000;

/**
 * Whether an attempt started at `at` fits in the invocation: its timeout, its excerpt and the
 * writes after it all end before `deadline`. One that does not fit is not started (nor claimed):
 * the invocation fails and Lambda retries it, rather than stopping it in the middle.
 */
export function attemptFits(policy: DeliveryPolicy, at: number, deadline: number): boolean {
  return at + policy.attemptTimeoutMs + policy.excerptWaitMs + RECORD_MARGIN_MS <= deadline;
}

export interface RunContext {
  policy: DeliveryPolicy;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** Epoch ms at which the invocation is stopped. */
  deadline: number;
}

/** Tries one delivery up to the policy's attempts, backing off between them. */
export async function runAttempts(
  send: () => Promise<Attempt>,
  ctx: RunContext,
): Promise<RunResult> {
  const { policy } = ctx;
  if (!attemptFits(policy, ctx.now().getTime(), ctx.deadline))
    return { status: "failed", attempts: 0, error: "no time left in this run" };
  for (let attempt = 1; ; attempt++) {
    const result = await send();
    const verdict = verdictOf(result);
    const seen = summary(result, policy.attemptTimeoutMs);
    if (verdict === "delivered") return { status: "delivered", attempts: attempt, ...seen };
    if (verdict === "final") return { status: "rejected", attempts: attempt, ...seen };
    const failed = (why?: string): RunResult => ({
      status: "failed",
      attempts: attempt,
      ...seen,
      ...(why ? { error: `${seen.error}; ${why}` } : {}),
    });
    if (attempt >= policy.attempts) return failed();
    let wait = backoffMs(attempt, policy, ctx.random);
    const asked =
      result.kind === "answered" ? retryAfterMs(result.retryAfter, ctx.now()) : undefined;
    if (asked !== undefined) {
      if (asked > policy.maxRetryAfterMs)
        return failed(`Retry-After of ${Math.ceil(asked / 1000)} s is left to the next run`);
      wait = Math.max(wait, asked);
    }
    if (!attemptFits(policy, ctx.now().getTime() + wait, ctx.deadline))
      return failed("no time left in this run");
    await ctx.sleep(wait);
  }
}
