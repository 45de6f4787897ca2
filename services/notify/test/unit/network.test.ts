import type { lookup as dnsLookup, LookupAddress } from "node:dns";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { excerptOf, httpSender } from "../../src/adapters/network.ts";
import { fanOut } from "../../src/fan-out.ts";
import { readyEvent } from "../support/events.ts";
import { aWebhook, fakePorts } from "../support/fakes.ts";
import { type Answer, startReceiver, startSilentServer } from "../support/receiver.ts";

// The delivery adapter against a real HTTP server on 127.0.0.1, with a resolver the test controls.

const NAMES: Record<string, string> = {
  "loop.test": "127.0.0.1",
  "private.test": "10.0.0.8",
  "metadata.test": "169.254.169.254",
};

const fakeLookup = ((
  hostname: string,
  _options: unknown,
  callback: (error: Error | null, addresses: LookupAddress[]) => void,
) => {
  const address = NAMES[hostname];
  if (!address) return callback(Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" }), []);
  callback(null, [{ address, family: 4 }]);
}) as unknown as typeof dnsLookup;

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let script: (n: number) => Answer = () => ({ status: 200 });

beforeAll(async () => {
  receiver = await startReceiver((n) => script(n));
});
afterAll(async () => {
  await receiver.stop();
});

const excerpt = { excerptBytes: 256, excerptWaitMs: 500 };
const local = httpSender("local", excerpt, fakeLookup);
const cloud = httpSender("cloud", excerpt, fakeLookup);
const headers = { "content-type": "application/json", "x-event-id": "e-1" };

describe("sending one delivery", () => {
  it("posts the body and headers, and keeps only the first 256 bytes of the answer", async () => {
    script = () => ({ status: 202, body: "é".repeat(400) });
    const before = receiver.received.length;
    const attempt = await local(receiver.url, headers, '{"id":"e-1"}', 2_000);
    expect(attempt).toMatchObject({ kind: "answered", status: 202 });
    expect(Buffer.byteLength(attempt.kind === "answered" ? attempt.excerpt : "")).toBe(256);
    const [got] = receiver.received.slice(before);
    expect(got?.body).toBe('{"id":"e-1"}');
    expect(got?.headers).toMatchObject({ "x-event-id": "e-1", "content-length": "12" });
  });

  it("cuts the excerpt between characters, never inside one", async () => {
    script = () => ({ status: 200, body: `a${"é".repeat(400)}` });
    const attempt = await local(receiver.url, headers, "{}", 2_000);
    expect(attempt).toEqual({ kind: "answered", status: 200, excerpt: `a${"é".repeat(127)}` });
  });

  it("keeps an excerpt of bytes that are not UTF-8 within its size", () => {
    const text = excerptOf(Buffer.alloc(300, 0xff), 256);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(256);
    expect(excerptOf(Buffer.from("abc"), 256)).toBe("abc");
    expect(excerptOf(Buffer.from("€€"), 5)).toBe("€");
  });

  it("settles as answered when the status arrives, though the body ends seconds later", async () => {
    const ends: NodeJS.Timeout[] = [];
    const slow = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("accepted");
      ends.push(setTimeout(() => res.end(), 3_000));
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    const { port } = slow.address() as AddressInfo;
    const attempt = await local(`http://127.0.0.1:${port}/`, headers, "{}", 1_000);
    expect(attempt).toEqual({ kind: "answered", status: 200, excerpt: "accepted" });
    for (const end of ends) clearTimeout(end);
    slow.closeAllConnections();
    await new Promise((resolve) => slow.close(resolve));
  });

  it("passes Retry-After on, and does not follow a redirect", async () => {
    script = (n): Answer =>
      n % 2 === 1
        ? { status: 429, headers: { "retry-after": "3" } }
        : { status: 302, headers: { location: "http://127.0.0.1:1/elsewhere" } };
    const first = await local(receiver.url, headers, "{}", 2_000);
    const second = await local(receiver.url, headers, "{}", 2_000);
    expect([first, second].map((a) => (a.kind === "answered" ? a.status : a.kind)).sort()).toEqual([
      302, 429,
    ]);
    expect([first, second].find((a) => a.kind === "answered" && a.status === 429)).toMatchObject({
      retryAfter: "3",
    });
  });

  it("connects to the address its own lookup checked", async () => {
    script = () => ({ status: 200 });
    const before = receiver.received.length;
    const url = receiver.url.replace("127.0.0.1", "loop.test");
    expect(await local(url, headers, "{}", 2_000)).toMatchObject({ kind: "answered", status: 200 });
    expect(receiver.received.length).toBe(before + 1);
    expect(receiver.received.at(-1)?.headers.host).toMatch(/^loop\.test:/);
  });

  it("refuses, before connecting, a name that now resolves to a private address", async () => {
    const before = receiver.received.length;
    const port = new URL(receiver.url).port;
    expect(await local(`http://private.test:${port}/`, headers, "{}", 2_000)).toEqual({
      kind: "refused",
      error: "private.test resolves to a refused address: 10.0.0.8 is private",
    });
    expect(await cloud("https://metadata.test/latest", headers, "{}", 2_000)).toEqual({
      kind: "refused",
      error:
        "metadata.test resolves to a refused address: 169.254.169.254 is link-local (metadata)",
    });
    expect(receiver.received.length).toBe(before);
  });

  it("refuses, at delivery too, a port the cloud does not allow", async () => {
    expect(await cloud("https://public.test:6379/", headers, "{}", 2_000)).toEqual({
      kind: "refused",
      error: "must use port 443 or 8443 in the cloud",
    });
  });

  it("refuses plain http to loopback in the cloud without sending anything", async () => {
    const before = receiver.received.length;
    expect(await cloud(receiver.url, headers, "{}", 2_000)).toEqual({
      kind: "refused",
      error: "must be https in the cloud",
    });
    expect(await cloud("https://127.0.0.1/", headers, "{}", 2_000)).toEqual({
      kind: "refused",
      error: "127.0.0.1 resolves to a refused address: 127.0.0.1 is loopback",
    });
    expect(receiver.received.length).toBe(before);
  });

  it("reports a refused connection as a network error and silence as a timeout", async () => {
    expect(await local("http://127.0.0.1:1/", headers, "{}", 2_000)).toEqual({
      kind: "network",
      error: "ECONNREFUSED",
    });
    const hang = await startSilentServer();
    expect(await local(hang.url, headers, "{}", 300)).toEqual({ kind: "timeout" });
    await hang.stop();
  });
});

describe("a delivery in the cloud, through the real sender", () => {
  it("is refused, and nothing reaches a receiver on 127.0.0.1", async () => {
    const { ports, webhooks, record } = fakePorts({ runtime: "cloud", send: cloud });
    const hooks = [receiver.url, "https://loop.test/hooks"].map((url) => aWebhook({ url }));
    for (const hook of hooks) webhooks.set(hook.id, hook);
    const before = receiver.received.length;
    const event = readyEvent();
    const result = await fanOut(ports, event, {
      requestId: "req-a",
      deadline: ports.now().getTime() + 180_000,
    });
    expect(result).toMatchObject({
      webhooks: [
        { outcome: "rejected", attempts: 1, error: "must be https in the cloud" },
        {
          outcome: "rejected",
          attempts: 1,
          error: "loop.test resolves to a refused address: 127.0.0.1 is loopback",
        },
      ],
    });
    expect(receiver.received.length).toBe(before);
    for (const hook of hooks)
      expect(record(event.detail.metadata.eventId, `webhook:${hook.id}`)).toMatchObject({
        status: "rejected",
        attempts: 1,
      });
  });
});
