import { startTestCloud, type TestCloud } from "@platform/local-cloud";
import upload from "../../service.ts";

/** A local platform running this service, shared by a test file. */
export async function startPlatform(): Promise<TestCloud> {
  return startTestCloud({ manifests: [upload] });
}

export const WRITE = ["files:read", "files:write"];

/** An answer as tests read it: the body is whatever JSON came back, checked by the test itself. */
// biome-ignore lint/suspicious/noExplicitAny: tests index into answers of many shapes.
export type ApiAnswer = { status: number; headers: Headers; body: any };

/** The API as a client sees it: JSON in, status and parsed JSON out. */
export function apiClient(cloud: TestCloud, token: string, base = cloud.apiUrl) {
  return async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer> {
    const response = await fetch(`${base}${path}`, {
      method,
      redirect: "manual",
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: response.status, headers: response.headers, body: parsed };
  };
}

/** Sends bytes with a presigned POST, as a browser form would. */
export async function postToS3(
  upload: { url: string; fields: Record<string, string> },
  bytes: Uint8Array,
  contentType: string,
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append("file", new Blob([bytes], { type: contentType }));
  return fetch(upload.url, { method: "POST", body: form });
}
