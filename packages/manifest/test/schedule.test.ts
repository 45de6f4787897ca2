import { describe, expect, it } from "vitest";
import { scheduleExpressionProblem, scheduleIntervalMs } from "../src/index.ts";

describe("scheduleExpressionProblem", () => {
  it("accepts the rate and cron expressions EventBridge takes", () => {
    for (const expression of [
      "rate(1 minute)",
      "rate(5 minutes)",
      "rate(1 hour)",
      "rate(12 hours)",
      "rate(1 day)",
      "rate(30 days)",
      "cron(0 3 * * ? *)",
      "cron(0/15 8-17 ? * MON-FRI *)",
    ])
      expect(scheduleExpressionProblem(expression), expression).toBeUndefined();
  });

  it("says what is wrong with the ones it refuses", () => {
    expect(scheduleExpressionProblem("rate(5 minute)")).toBe("must say rate(5 minutes)");
    expect(scheduleExpressionProblem("rate(1 hours)")).toBe("must say rate(1 hour)");
    expect(scheduleExpressionProblem("rate(0 minutes)")).toMatch(/^must be rate\(/);
    expect(scheduleExpressionProblem("rate(2 weeks)")).toMatch(/^must be rate\(/);
    expect(scheduleExpressionProblem("rate(1.5 hours)")).toMatch(/^must be rate\(/);
    expect(scheduleExpressionProblem("every day")).toMatch(/^must be rate\(/);
    expect(scheduleExpressionProblem("cron(0 3 * * ?)")).toMatch(/^must have six fields/);
    expect(scheduleExpressionProblem("cron(0  3 * * ? *)")).toMatch(/^must have six fields/);
    expect(scheduleExpressionProblem("cron(0 3 * * * *)")).toBe(
      "must have ? as its day-of-month or its day-of-week",
    );
  });
});

describe("scheduleIntervalMs", () => {
  it("gives the period of a rate expression", () => {
    expect(scheduleIntervalMs("rate(1 minute)")).toBe(60_000);
    expect(scheduleIntervalMs("rate(15 minutes)")).toBe(900_000);
    expect(scheduleIntervalMs("rate(2 hours)")).toBe(7_200_000);
    expect(scheduleIntervalMs("rate(3 days)")).toBe(259_200_000);
  });

  it("has no period for cron expressions, nor for invalid rates", () => {
    expect(scheduleIntervalMs("cron(0 3 * * ? *)")).toBeUndefined();
    expect(scheduleIntervalMs("rate(5 minute)")).toBeUndefined();
    expect(scheduleIntervalMs("rate(0 minutes)")).toBeUndefined();
  });
});
