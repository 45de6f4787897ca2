import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** A delivery as the receiver got it: headers and the raw body, byte for byte. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export type Answer = { status: number; body?: string; headers?: Record<string, string> };

/**
 * A real HTTP receiver on 127.0.0.1, as a developer would run one: it records every request and
 * answers with `answer` (by default 200), which a test may change as it goes.
 */
export async function startReceiver(
  answer: (n: number, body: string) => Answer = () => ({ status: 200 }),
) {
  const received: Received[] = [];
  const state = { answer };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const reply = state.answer(received.length + 1, body);
      received.push({ headers: req.headers, body, status: reply.status });
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answerWith(next: (n: number, body: string) => Answer) {
      state.answer = next;
    },
    /** The successful deliveries of one event. */
    deliveredOf(eventId: string) {
      return received.filter((r) => r.headers["x-event-id"] === eventId && r.status < 300);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A server that accepts connections and never answers. */
export async function startSilentServer() {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
