import { createHash, randomBytes } from "node:crypto";
import type { TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, postToS3, startPlatform, WRITE } from "./support/platform.ts";

let cloud: TestCloud;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  cloud = await startPlatform();
  api = apiClient(cloud, await cloud.token("alice", WRITE));
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
});

describe("uploading through the API", () => {
  it("records a file, takes its bytes with a presigned POST, and marks it uploaded", async () => {
    const bytes = randomBytes(1024);
    const created = await api("POST", "/uploads", {
      filename: "photo.jpg",
      contentType: "image/jpeg",
      size: bytes.length,
      purpose: "profile",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "pending", upload: { method: "POST" } });
    expect(created.body.key).toMatch(/^tmp\/profile\/alice\/[0-9a-f-]{36}_\d+\.jpg$/);

    const sent = await postToS3(created.body.upload, bytes, "image/jpeg");
    expect(sent.status).toBe(204);
    await cloud.settle();

    const file = await api("GET", `/files/${created.body.fileId}`);
    expect(file.status).toBe(200);
    expect(file.body).toMatchObject({ status: "uploaded", size: 1024, filename: "photo.jpg" });
    const original = await fetch(file.body.original.url);
    expect(Buffer.from(await original.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("takes a presigned PUT pinned to the declared checksum", async () => {
    const bytes = randomBytes(2048);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const created = await api("POST", "/uploads?method=put", {
      filename: "photo.png",
      contentType: "image/png",
      size: bytes.length,
      purpose: "feed",
      sha256,
    });
    expect(created.status).toBe(201);
    const { url, headers } = created.body.upload;
    const sent = await fetch(url, { method: "PUT", headers, body: bytes });
    expect(sent.status).toBe(200);
    await cloud.settle();
    expect((await api("GET", `/files/${created.body.fileId}`)).body.status).toBe("uploaded");
  });
});
