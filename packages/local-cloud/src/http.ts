import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/** Reads a whole request body, refusing more than `limit` bytes without buffering them. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = "application/json",
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** An error in the shape AWS's JSON protocols use; the SDK reads the code from x-amzn-ErrorType. */
export function sendAwsJsonError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  contentType = "application/x-amz-json-1.1",
): void {
  sendJson(
    res,
    status,
    { __type: code, message, Message: message },
    { "x-amzn-errortype": code },
    contentType,
  );
}

/**
 * Starts a gateway's server on loopback (port 0 picks a free one) and gives its port, and a stop
 * that ends idle keep-alive connections instead of waiting for clients to drop them.
 */
export async function listenOn(
  server: Server,
  port: number,
  host = "127.0.0.1",
): Promise<{ port: number; stop: () => Promise<void> }> {
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
