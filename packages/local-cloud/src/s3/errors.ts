import { escapeXml } from "../xml-escape.ts";

/** An S3 error, answered with S3's own XML body and status. */
export class S3Error extends Error {
  override readonly name = "S3Error";
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** Extra elements S3 puts in the error body (e.g. StringToSign, Expires, MaxSizeAllowed). */
    readonly details: Record<string, string | number> = {},
  ) {
    super(message);
  }
}

/** `<Error><Code>…</Code><Message>…</Message>…<RequestId>…</RequestId></Error>` as S3 sends it. */
export function errorXml(error: S3Error, resource: string, requestId: string): string {
  const extra = Object.entries(error.details)
    .map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message>${extra}<Resource>${escapeXml(resource)}</Resource><RequestId>${requestId}</RequestId></Error>`;
}
