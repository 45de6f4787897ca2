import { randomBytes } from "node:crypto";
import type { TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, postToS3, startPlatform, WRITE } from "./support/platform.ts";
import { createApiKey } from "./support/refusal-cloud.ts";
import { expectGatewayRefusal, expectProblem, send } from "./support/refusal-expect.ts";

let cloud: TestCloud;
let apiKey: string;

beforeAll(async () => {
  cloud = await startPlatform();
  apiKey = await createApiKey(cloud, "erp");
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
});

/** A call through the REST server door, as a server client makes it (with its key, unless told). */
const server = (
  method: string,
  path: string,
  body?: unknown,
  auth: Record<string, string> = { "x-api-key": apiKey },
) =>
  send(`${cloud.serverApiUrl}${path}`, {
    method,
    headers: {
      ...auth,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

const invoice = (size: number) => ({
  filename: "invoice.pdf",
  contentType: "application/pdf",
  size,
  purpose: "chat",
  entityId: "room-42",
});

describe("the server door", () => {
  it("records an upload for a client with an API key and shows it the file", async () => {
    const bytes = randomBytes(2048);
    const created = await server("POST", "/uploads", invoice(bytes.length));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "pending", upload: { method: "POST" } });
    expect(created.body.key).toMatch(/^tmp\/chat\/room-42\/[0-9a-f-]{36}_\d+\.pdf$/);

    expect((await postToS3(created.body.upload, bytes, "application/pdf")).status).toBe(204);
    await cloud.settle();
    const file = await server("GET", `/files/${created.body.fileId}`);
    expect(file.status).toBe(200);
    expect(file.body).toMatchObject({
      fileId: created.body.fileId,
      status: "uploaded",
      filename: "invoice.pdf",
      entityId: "room-42",
    });
  });

  it("keeps an API client's files from users of the JWT door, even in the same entity", async () => {
    const created = await server("POST", "/uploads", invoice(100));
    expect(created.status).toBe(201);
    const user = apiClient(cloud, await cloud.token("alice", WRITE));
    const reply = await user("GET", `/files/${created.body.fileId}`);
    expectProblem(reply, 404, "not-found");
    const listed = await user("GET", "/files?purpose=chat&entityId=room-42");
    expect(listed.body).toEqual({ items: [] });
  });

  it("keeps one API client's files from another", async () => {
    const created = await server("POST", "/uploads", invoice(100));
    const other = await createApiKey(cloud, "billing");
    const reply = await server("GET", `/files/${created.body.fileId}`, undefined, {
      "x-api-key": other,
    });
    expectProblem(reply, 404, "not-found");
  });

  it("answers refusals as problems, as the JWT door does", async () => {
    const reply = await server("POST", "/uploads", { ...invoice(100), size: 0 });
    expectProblem(reply, 400, "invalid-request", ["body:size"]);
  });

  it("is refused with 403 by the REST API without a key, or with one it does not know", async () => {
    const unsigned = await server("POST", "/uploads", invoice(100), {});
    expectGatewayRefusal(unsigned, 403, "Forbidden");
    const unknown = await server("GET", "/files", undefined, { "x-api-key": "not-a-key" });
    expectGatewayRefusal(unknown, 403, "Forbidden");
  });
});
