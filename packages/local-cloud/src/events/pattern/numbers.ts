/**
 * event-ruler compares numbers as "ComparableNumber"s: millionths, truncated, limited to ±5.0e9
 * (AWS documents the same range and six-decimal precision). A key is that count of millionths.
 */
const LIMIT_IN_MILLIONTHS = 5e15;
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

export const NUMBER_RANGE_MESSAGE = "Value must be between -5.0E9 and 5.0E9, inclusive";

/** The comparable key of a number written as JSON text, or undefined when out of range. */
export function comparableKey(text: string): number | undefined {
  const parts = DECIMAL.exec(text);
  if (!parts) return undefined;
  const [, sign = "", whole = "", fraction = "", exponent = "0"] = parts;
  const digits = (whole + fraction).replace(/^0+(?=\d)/, "");
  const shift = Number(exponent) - fraction.length + 6;
  let millionths: number;
  if (shift >= 0) {
    // More than 16 digits is always beyond ±5e15; this also keeps huge exponents cheap.
    if (digits !== "0" && digits.length + shift > 16) return undefined;
    millionths = Number(digits + "0".repeat(shift));
  } else {
    const kept = digits.slice(0, Math.max(0, digits.length + shift)) || "0";
    const dropped = digits.slice(kept === "0" ? 0 : kept.length);
    millionths = Number(kept);
    // Truncation towards minus infinity, as event-ruler's shift-then-cast does.
    if (sign && /[1-9]/.test(dropped)) millionths += 1;
  }
  if (millionths > LIMIT_IN_MILLIONTHS) return undefined;
  return sign ? -millionths : millionths;
}

/** The comparable key of an event's number, or undefined when out of range. */
export function comparableKeyOf(value: number): number | undefined {
  if (Number.isInteger(value)) {
    return Math.abs(value) <= 5e9 ? value * 1e6 : undefined;
  }
  return Number.isFinite(value) ? comparableKey(String(value)) : undefined;
}
