import { isIPv4, isIPv6 } from "node:net";

/**
 * Which addresses a webhook may reach: public unicast only. Private, loopback, link-local (and so
 * the cloud's metadata endpoints), CGNAT, unique-local, multicast, reserved and documentation
 * ranges are refused, as are IPv6 forms that carry one of those IPv4 addresses inside.
 */

const V4_BLOCKS: [network: string, bits: number, reason: string][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (metadata)"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "6to4 relay"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

function v4Number(address: string): number {
  return address.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function v4Reason(address: string): string | undefined {
  const n = v4Number(address);
  for (const [network, bits, reason] of V4_BLOCKS) {
    const size = 2 ** (32 - bits);
    const start = v4Number(network);
    if (n >= start && n < start + size) return reason;
  }
  return undefined;
}

/** The 16 bytes of an IPv6 address (zone removed, embedded dotted quad allowed). */
export function v6Bytes(address: string): number[] {
  let text = address.replace(/%.*$/, "");
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (quad) {
    const n = v4Number(quad);
    text = `${text.slice(0, -quad.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parts = (s: string) => (s ? s.split(":").map((h) => Number.parseInt(h, 16)) : []);
  const left = parts(head);
  const right = tail === undefined ? [] : parts(tail);
  const groups = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/** Whether the first `bits` bits of `bytes` are those of `prefix`. */
function startsWith(bytes: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i * 8 < bits; i++) {
    const mask = (0xff << (8 - Math.min(8, bits - i * 8))) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

const quadAt = (bytes: number[], at: number) => bytes.slice(at, at + 4).join(".");

function v6Reason(address: string): string | undefined {
  const b = v6Bytes(address);
  const zeros = (n: number) => b.slice(0, n).every((x) => x === 0);
  if (zeros(16)) return "unspecified";
  if (zeros(15) && b[15] === 1) return "loopback";
  // IPv4-mapped (::ffff:a.b.c.d): connecting to it reaches the IPv4 address.
  if (zeros(10) && b[10] === 0xff && b[11] === 0xff) {
    const inner = v4Reason(quadAt(b, 12));
    return inner && `IPv4-mapped ${inner}`;
  }
  if (zeros(12)) return "IPv4-compatible";
  if (startsWith(b, [0, 0x64, 0xff, 0x9b], 96)) {
    const inner = v4Reason(quadAt(b, 12));
    return inner && `NAT64 ${inner}`;
  }
  if (startsWith(b, [0x20, 0x02], 16)) {
    const inner = v4Reason(quadAt(b, 2));
    return inner && `6to4 ${inner}`;
  }
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return "documentation";
  if (startsWith(b, [0x20, 0x01, 0, 0], 32)) return "Teredo";
  if (startsWith(b, [0xfc], 7)) return "unique-local (metadata)";
  if (startsWith(b, [0xfe, 0x80], 10)) return "link-local";
  if (startsWith(b, [0xfe, 0xc0], 10)) return "site-local";
  if (startsWith(b, [0xff], 8)) return "multicast";
  if (!startsWith(b, [0x20], 3)) return "not global unicast";
  return undefined;
}

/** Why no webhook may reach `address`, or undefined for a public unicast address. */
export function blockedReason(address: string): string | undefined {
  if (isIPv4(address)) return v4Reason(address);
  if (isIPv6(address.replace(/%.*$/, ""))) return v6Reason(address);
  return "not an IP address";
}

function isLoopback(address: string): boolean {
  const reason = blockedReason(address);
  return reason === "loopback" || reason === "IPv4-mapped loopback";
}

/** Refusal reason for one resolved address of a URL, or undefined when it may be reached. */
export type AddressRule = (address: string) => string | undefined;

/**
 * In the cloud: public addresses only (the URL must be https). Locally, also loopback, and plain
 * http only there: `http://127.0.0.1:<port>` for development, nothing else relaxed.
 */
export function addressRule(runtime: "cloud" | "local", protocol: string): AddressRule {
  return (address) => {
    const reason = blockedReason(address);
    if (runtime === "local" && isLoopback(address)) return undefined;
    if (reason) return `${address} is ${reason}`;
    if (protocol !== "https:") return `plain http may only reach 127.0.0.1 locally`;
    return undefined;
  };
}
