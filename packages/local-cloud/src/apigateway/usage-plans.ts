/** A usage plan's limits, as API Gateway's usage plans express them. */
export interface UsagePlan {
  /** Steady-state requests per second: the rate the token bucket refills at. */
  rateLimit: number;
  /** The bucket's size: how many requests may arrive at once after a quiet spell. */
  burstLimit: number;
  /** Requests per UTC day. */
  quotaPerDay: number;
}

export type UsageDecision =
  | { ok: true }
  | { ok: false; reason: "throttled" | "quota"; retryAfterSeconds: number };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Throws on limits API Gateway would not accept. */
export function validatePlan(plan: UsagePlan): void {
  if (!Number.isFinite(plan.rateLimit) || plan.rateLimit <= 0)
    throw new Error(
      `rate limit must be a positive number of requests per second, not ${plan.rateLimit}`,
    );
  if (!Number.isInteger(plan.burstLimit) || plan.burstLimit < 1)
    throw new Error(`burst limit must be a positive integer, not ${plan.burstLimit}`);
  if (!Number.isInteger(plan.quotaPerDay) || plan.quotaPerDay < 1)
    throw new Error(`daily quota must be a positive integer, not ${plan.quotaPerDay}`);
}

/**
 * One key's consumption of its plan: a token bucket (burst-sized, refilled at the rate) and a
 * counter of the UTC day. Only requests let through count against the quota, and a request
 * refused for the quota takes no token.
 */
export class UsageMeter {
  private tokens: number;
  private refilledAt: number;
  private day: number;
  private used = 0;

  constructor(
    readonly plan: UsagePlan,
    now: number,
  ) {
    this.tokens = plan.burstLimit;
    this.refilledAt = now;
    this.day = Math.floor(now / DAY_MS);
  }

  take(now: number): UsageDecision {
    const day = Math.floor(now / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.used = 0;
    }
    if (this.used >= this.plan.quotaPerDay)
      return {
        ok: false,
        reason: "quota",
        retryAfterSeconds: Math.max(1, Math.ceil(((day + 1) * DAY_MS - now) / 1000)),
      };

    const elapsed = Math.max(0, now - this.refilledAt) / 1000;
    this.tokens = Math.min(this.plan.burstLimit, this.tokens + elapsed * this.plan.rateLimit);
    this.refilledAt = now;
    if (this.tokens < 1)
      return {
        ok: false,
        reason: "throttled",
        retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.plan.rateLimit)),
      };

    this.tokens -= 1;
    this.used += 1;
    return { ok: true };
  }
}
