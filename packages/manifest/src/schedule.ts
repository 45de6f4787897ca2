/**
 * EventBridge schedule expressions: what the stacks hand to EventBridge, and what the local cloud
 * needs to run them. Rates are checked exactly; cron expressions only for their shape.
 */

const RATE = /^rate\(([1-9][0-9]*) (minute|hour|day)(s?)\)$/;
const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** Why EventBridge would refuse `expression`, or undefined when it is a valid schedule. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) {
    const fields = (cron[1] ?? "").split(" ");
    if (fields.length !== 6 || fields.includes(""))
      return "must have six fields: cron(minutes hours day-of-month month day-of-week year)";
    // EventBridge's rule: one of the two day fields is always "?".
    if (fields[2] !== "?" && fields[4] !== "?")
      return "must have ? as its day-of-month or its day-of-week";
    return undefined;
  }
  const rate = RATE.exec(expression);
  if (!rate) return "must be rate(<n> minutes|hours|days) or cron(<six fields>)";
  const [, value, unit, plural] = rate;
  if (value === "1" && plural) return `must say rate(1 ${unit})`;
  if (value !== "1" && !plural) return `must say rate(${value} ${unit}s)`;
  return undefined;
}

/** The period of a valid rate() expression, in ms; undefined for cron() (and anything invalid). */
export function scheduleIntervalMs(expression: string): number | undefined {
  const rate = RATE.exec(expression);
  if (!rate || scheduleExpressionProblem(expression)) return undefined;
  return Number(rate[1]) * UNIT_MS[rate[2] as keyof typeof UNIT_MS];
}
