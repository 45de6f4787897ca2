import type { IncomingMessage, ServerResponse } from "node:http";

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
