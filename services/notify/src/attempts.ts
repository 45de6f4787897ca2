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

/** Retry-After as milliseconds from now: delay-seconds or an HTTP date. */
export function retryAfterMs(header: string | undefined, now: Date): number | undefined {
  if (header === undefined) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
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

export interface RunContext {
  policy: DeliveryPolicy;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** Epoch ms by which the run must be over (the invocation's own deadline, less a margin). */
  deadline: number;
}

/** Tries one delivery up to the policy's attempts, backing off between them. */
export async function runAttempts(
  send: () => Promise<Attempt>,
  ctx: RunContext,
): Promise<RunResult> {
  const { policy } = ctx;
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
    if (ctx.now().getTime() + wait + policy.attemptTimeoutMs > ctx.deadline)
      return failed("no time left in this run");
    await ctx.sleep(wait);
  }
}
