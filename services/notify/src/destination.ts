import { isIP } from "node:net";
import { type AddressRule, addressRule } from "./addresses.ts";
import type { Runtime } from "./settings.ts";

/** A webhook URL that may not be called, with the reason a client can act on. */
export class RefusedDestination extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedDestination";
  }
}

/** Every address a host name resolves to (an IP literal resolves to itself). */
export type Resolve = (hostname: string) => Promise<string[]>;

/** The host of a URL as the resolver and the socket want it (IPv6 literals without brackets). */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1");

// HTTPS's own port and its usual alternative: nothing else in the cloud, so that a webhook cannot
// be pointed at a public host's other services (SSH, Redis, admin consoles) to probe them.
const CLOUD_PORTS = ["", "443", "8443"];

/**
 * The rules a URL must meet before anything is resolved: https (plain http only locally),
 * port 443 or 8443 in the cloud, no credentials in it (they would be stored and shown), a host.
 */
export function checkUrl(text: string, runtime: Runtime): { url: URL; rule: AddressRule } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RefusedDestination("is not an absolute URL");
  }
  const schemes = runtime === "local" ? ["https:", "http:"] : ["https:"];
  if (!schemes.includes(url.protocol))
    throw new RefusedDestination(
      runtime === "local" ? "must be http or https" : "must be https in the cloud",
    );
  if (runtime === "cloud" && !CLOUD_PORTS.includes(url.port))
    throw new RefusedDestination("must use port 443 or 8443 in the cloud");
  if (url.username || url.password)
    throw new RefusedDestination("must not carry credentials; verify the signature instead");
  if (!url.hostname) throw new RefusedDestination("has no host");
  return { url, rule: addressRule(runtime, url.protocol) };
}

/** Applies the rule to every address; the first refusal wins. */
export function checkAddresses(addresses: string[], rule: AddressRule, host: string): void {
  if (addresses.length === 0) throw new RefusedDestination(`${host} does not resolve`);
  for (const address of addresses) {
    const reason = rule(address);
    if (reason) throw new RefusedDestination(`${host} resolves to a refused address: ${reason}`);
  }
}

/**
 * Checks a URL at registration: its shape, then every address its host resolves to now. Delivery
 * checks again, on the addresses it actually connects to (a name may resolve elsewhere later).
 */
export async function checkDestination(
  text: string,
  runtime: Runtime,
  resolve: Resolve,
): Promise<URL> {
  const { url, rule } = checkUrl(text, runtime);
  const host = hostOf(url);
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch (error) {
    throw new RefusedDestination(`${host} does not resolve (${(error as { code?: string }).code})`);
  }
  checkAddresses(addresses, rule, host);
  return url;
}
