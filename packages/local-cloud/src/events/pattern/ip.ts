import { InvalidEventPatternError } from "./errors.ts";

/**
 * IP addresses as event-ruler handles them: a string is only tried as an address when it has
 * the shape of one, then read the way Java's InetAddress reads a literal, and compared as
 * upper-case hex digits (8 for IPv4, 32 for IPv6).
 */
const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

export interface IpRange {
  readonly bottom: string;
  readonly top: string;
}

const hasIpShape = (text: string) => IPV4_SHAPE.test(text) || IPV6_SHAPE.test(text);

/** The address as hex, or undefined when the text is not an IP literal. */
export function ipToHex(text: string): string | undefined {
  if (!hasIpShape(text)) return undefined;
  const bytes = text.includes(":") ? ipv6Bytes(text) : ipv4Bytes(text);
  return bytes && toHex(bytes);
}

/** A pattern's plain string that is an IP literal matches that address (in any spelling). */
export function exactIpRange(text: string): IpRange | undefined {
  const hex = ipToHex(text);
  return hex === undefined ? undefined : { bottom: hex, top: hex };
}

/** A `cidr` operand, with event-ruler's checks and messages (none carries a location). */
export function cidrRange(cidr: string): IpRange {
  const parts = cidr.split("/");
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  const [address = "", maskText = ""] = parts;
  if (parts.length !== 2) reject("Malformed CIDR, one '/' required");
  const maskBits = /^[+-]?\d{1,10}$/.test(maskText) ? Number(maskText) : Number.NaN;
  if (!Number.isInteger(maskBits) || Math.abs(maskBits) > 2 ** 31 - 1) {
    reject("Malformed CIDR, mask bits must be an integer");
  }
  if (maskBits < 0) reject("Malformed CIDR, mask bits must not be negative");
  if (!hasIpShape(address)) reject(`Nonstandard IP address: ${address}`);
  const bytes = address.includes(":") ? ipv6Bytes(address) : ipv4Bytes(address);
  if (!bytes) return reject(`Invalid IP address: ${address}`);
  if (bytes.length === 4 && maskBits > 31) reject("IPv4 mask bits must be < 32");
  if (bytes.length === 16 && maskBits > 127) reject("IPv6 mask bits must be < 128");
  // event-ruler keeps the given address as the bottom; only the top has the host bits set.
  const top = bytes.map((byte, i) => {
    const hostBits = Math.min(
      8,
      Math.max(0, bytes.length * 8 - maskBits - (bytes.length - 1 - i) * 8),
    );
    return byte | ((1 << hostBits) - 1);
  });
  return { bottom: toHex(bytes), top: toHex(top) };
}

function reject(reason: string): never {
  throw new InvalidEventPatternError(reason);
}

function ipv4Bytes(text: string): number[] | undefined {
  const parts = text.split(".");
  // Recent JDKs refuse octal-looking parts such as "010" as ambiguous.
  if (parts.some((part) => (part.length > 1 && part.startsWith("0")) || Number(part) > 255)) {
    return undefined;
  }
  return parts.map(Number);
}

function ipv6Bytes(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = halves.map((half) => (half === "" ? [] : half.split(":")));
  const [head = [], tail = []] = groups;
  if (![...head, ...tail].every((group) => IPV6_GROUP.test(group))) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const words = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill("0"), ...tail];
  const bytes = words.flatMap((word) => {
    const value = Number.parseInt(word, 16);
    return [value >> 8, value & 0xff];
  });
  // Java turns IPv4-mapped IPv6 literals (::ffff:a.b.c.d) into plain IPv4 addresses.
  const mapped =
    bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

const toHex = (bytes: readonly number[]) =>
  bytes
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
