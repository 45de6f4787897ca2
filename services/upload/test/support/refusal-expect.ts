import { expect } from "vitest";

/** A reply as a client reads it: status, headers, and the body parsed when it is JSON. */
export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: replies are inspected field by field in tests.
  body: any;
}

export async function send(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, { redirect: "manual", ...init });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: response.status, headers: response.headers, body };
}

const PROBLEMS = "https://file-platform.dev/problems/";

/** The title that goes with each problem type: RFC 9457 keeps one title per type. */
const TITLES = {
  "invalid-request": "The request is not valid",
  "malformed-json": "Malformed JSON",
  "unsupported-media-type": "Unsupported media type",
  "type-not-allowed": "Content type not allowed for this purpose",
  "too-large": "File too large for this purpose",
  "not-your-entity": "Forbidden",
  "not-found": "Not found",
  conflict: "The file is not in a state that allows this",
} as const;

/**
 * Asserts an RFC 9457 problem: its status, media type, type and title, a detail, and exactly the
 * bad fields named (as `in:name`, e.g. `body:size`), each with its own explanation.
 */
export function expectProblem(
  reply: Reply,
  status: number,
  type: keyof typeof TITLES,
  fields: string[] = [],
): { detail: string; instance: string } {
  expect(reply.status).toBe(status);
  expect(reply.headers.get("content-type")).toBe("application/problem+json");
  expect(reply.body).toMatchObject({
    type: `${PROBLEMS}${type}`,
    title: TITLES[type],
    status,
    detail: expect.stringMatching(/\S/),
  });
  const errors: { in: string; name: string; detail: string }[] = reply.body.errors ?? [];
  expect(errors.map((e) => `${e.in}:${e.name}`).sort()).toEqual([...fields].sort());
  for (const error of errors) expect(error.detail).toMatch(/\S/);
  return reply.body;
}

/** API Gateway's own refusal, given before the request reaches the service. */
export function expectGatewayRefusal(reply: Reply, status: number, message: string): void {
  expect(reply.status).toBe(status);
  expect(reply.body).toEqual({ message });
}

/** S3's XML error: its status, code and message. */
export async function s3Refusal(
  response: Response,
): Promise<{ status: number; code: string; message: string }> {
  const xml = await response.text();
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? "";
  return { status: response.status, code: field("Code"), message: field("Message") };
}
