import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { startTestCloud, type TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyDelivery } from "../services/notify/test/support/verify.ts";
import { manifests } from "../stacks/manifests.ts";
import { uploadPhoto } from "./upload-photo.ts";

// The notification service's promise, on the whole platform as `npm start` runs it: a developer
// registers a webhook, uploads a photo, and receives a verified upload.file.ready with the variants.

let cloud: TestCloud;
let receiver: ReturnType<typeof createServer>;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  cloud = await startTestCloud({ manifests, functionOutput: () => {} });
}, 120_000);
afterAll(async () => {
  await cloud?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe("a webhook on the whole platform", () => {
  it("receives a verified upload.file.ready with the variants' details after a photo upload", async () => {
    const token = await cloud.token("quinn", ["files:write", "files:read", "webhooks:manage"]);
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${cloud.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      // biome-ignore lint/suspicious/noExplicitAny: the test reads answers of several shapes.
      return { status: response.status, body: (await response.json()) as any };
    };
    const { port } = receiver.address() as AddressInfo;
    const hook = await api("POST", "/webhooks", {
      url: `http://127.0.0.1:${port}/platform-hooks`,
      events: ["upload.file.received", "upload.file.ready"],
    });
    expect(hook.status).toBe(201);

    const { fileId } = await uploadPhoto(cloud, token, {
      width: 800,
      height: 600,
      purpose: "profile",
      filename: "me.jpg",
    });

    const byType = (type: string) => received.filter((r) => JSON.parse(r.body).type === type);
    const [ready] = byType("upload.file.ready");
    expect(byType("upload.file.ready")).toHaveLength(1);
    expect(
      verifyDelivery(
        hook.body.secret,
        String(ready?.headers["x-webhook-signature"]),
        ready?.body ?? "",
      ),
    ).toBe(true);
    const notice = JSON.parse(ready?.body ?? "{}");
    expect(ready?.headers).toMatchObject({ "x-webhook-id": hook.body.id, "x-event-id": notice.id });
    expect(notice.data).toMatchObject({
      fileId: fileId,
      ownerId: "quinn",
      purpose: "profile",
    });
    expect(
      notice.data.variants
        .map((v: { name: string; width: number; height: number }) => [v.name, v.width, v.height])
        .sort(),
    ).toEqual([
      // The largest square is the photo's own height: variants are never upscaled.
      ["1024-jpeg", 600, 600],
      ["1024-webp", 600, 600],
      ["256-jpeg", 256, 256],
      ["256-webp", 256, 256],
      ["64-jpeg", 64, 64],
      ["64-webp", 64, 64],
    ]);

    const [arrived] = byType("upload.file.received");
    expect(JSON.parse(arrived?.body ?? "{}").data).toMatchObject({
      fileId: fileId,
      ownerId: "quinn",
    });
  });
});
