import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { lookup as lookupAll } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { checkAddresses, checkUrl, hostOf, type Resolve } from "../destination.ts";
import type { Attempt, Send } from "../ports.ts";
import type { DeliveryPolicy, Runtime } from "../settings.ts";

/** Every address the system resolver gives for a host. */
export const resolveAll: Resolve = async (host) =>
  (await lookupAll(host, { all: true })).map((a) => a.address);

const refusal = (error: unknown) =>
  (error as Error).name === "RefusedDestination" ? (error as Error).message : undefined;

/** At most `max` bytes of UTF-8 text from the start of `bytes`, never ending inside a character. */
export function excerptOf(bytes: Buffer, max: number): string {
  let end = Math.min(bytes.length, max);
  // A cut before a continuation byte (10xxxxxx) would split a character: cut before its start.
  if (end < bytes.length) while (end > 0 && (bytes.readUInt8(end) & 0xc0) === 0x80) end--;
  let text = bytes.subarray(0, end).toString("utf8");
  // Bytes that are not UTF-8 read as U+FFFD, three bytes each: drop characters until it fits.
  while (Buffer.byteLength(text) > max) text = [...text].slice(0, -1).join("");
  return text;
}

/**
 * POSTs a delivery. The host is resolved once, every address it resolves to is checked against
 * the address rules, and the socket connects to those checked addresses only, so a name cannot
 * pass the check and then lead elsewhere (DNS rebinding). Redirects are not followed.
 *
 * The attempt's timeout runs until the status line: once it has come, the receiver has answered
 * and that is the outcome. The excerpt (the first `excerptBytes` of the body) is then read on a
 * short budget of its own, and whatever it gets (or not) never changes the outcome.
 */
export function httpSender(
  runtime: Runtime,
  answers: Pick<DeliveryPolicy, "excerptBytes" | "excerptWaitMs">,
  lookup: typeof dnsLookup = dnsLookup,
): Send {
  const { excerptBytes, excerptWaitMs } = answers;
  return (target, headers, body, timeoutMs) =>
    new Promise<Attempt>((resolve) => {
      let settled = false;
      const settle = (attempt: Attempt) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request?.destroy();
        resolve(attempt);
      };
      let timer = setTimeout(() => settle({ kind: "timeout" }), timeoutMs);
      let request: http.ClientRequest | undefined;
      try {
        const { url, rule } = checkUrl(target, runtime);
        const host = hostOf(url);
        if (isIP(host)) checkAddresses([host], rule, host);
        const guarded: LookupFunction = (hostname, options, callback) => {
          lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
            if (error) return callback(error, "", 0);
            try {
              checkAddresses(
                addresses.map((a) => a.address),
                rule,
                hostname,
              );
            } catch (refused) {
              return callback(refused as Error, "", 0);
            }
            const first = addresses[0] as LookupAddress;
            if (options.all) (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
            else callback(null, first.address, first.family);
          });
        };
        const transport = url.protocol === "https:" ? https : http;
        request = transport.request(
          url,
          {
            method: "POST",
            headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
            lookup: guarded,
            agent: false,
          },
          (response) => {
            const status = response.statusCode ?? 0;
            const retryAfter = response.headers["retry-after"];
            const chunks: Buffer[] = [];
            let size = 0;
            const answered = () =>
              settle({
                kind: "answered",
                status,
                ...(retryAfter ? { retryAfter: String(retryAfter) } : {}),
                excerpt: excerptOf(Buffer.concat(chunks), excerptBytes),
              });
            clearTimeout(timer);
            timer = setTimeout(answered, excerptWaitMs);
            response.on("data", (chunk: Buffer) => {
              chunks.push(chunk);
              size += chunk.length;
              if (size >= excerptBytes) answered();
            });
            response.on("end", answered);
            response.on("close", answered);
            response.on("error", answered);
          },
        );
        request.on("error", (error) => {
          const refused = refusal(error);
          settle(
            refused
              ? { kind: "refused", error: refused }
              : { kind: "network", error: (error as { code?: string }).code ?? error.message },
          );
        });
        request.end(body);
      } catch (error) {
        settle({ kind: "refused", error: refusal(error) ?? String(error) });
      }
    });
}
