import { startTestCloud, type TestCloud } from "@platform/local-cloud";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifests } from "../stacks/manifests.ts";
import { uploadPhoto } from "./upload-photo.ts";

// The whole platform, as `npm start` runs it: a photo goes in through the API and comes out as
// variants, with the upload service learning of them only from imaging's events.

let cloud: TestCloud;
let token: string;

beforeAll(async () => {
  cloud = await startTestCloud({ manifests });
  token = await cloud.token("erin", ["files:write", "files:read"]);
}, 120_000);
afterAll(async () => {
  await cloud?.stop();
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${cloud.apiUrl}${path}`, {
    method,
    redirect: "manual",
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

describe("a photo through the whole platform", () => {
  it("is uploaded, processed by imaging and ready with real variants", async () => {
    const { fileId, bytes: photo } = await uploadPhoto(cloud, token, {
      width: 1200,
      height: 900,
      purpose: "profile",
      filename: "holiday.jpg",
    });

    const file = await call("GET", `/files/${fileId}`);
    expect(file.body).toMatchObject({ status: "ready", progress: { done: 7, total: 7 } });
    const names = file.body.variants.map((v: { name: string }) => v.name).sort();
    expect(names).toEqual(["1024-jpeg", "1024-webp", "256-jpeg", "256-webp", "64-jpeg", "64-webp"]);

    const content = await call("GET", `/files/${fileId}/content?variant=256-webp`);
    expect(content.status).toBe(302);
    const variant = Buffer.from(
      await (await fetch(content.headers.get("location") ?? "")).arrayBuffer(),
    );
    expect(await sharp(variant).metadata()).toMatchObject({
      format: "webp",
      width: 256,
      height: 256,
    });

    const original = await fetch(file.body.original.url);
    expect(Buffer.from(await original.arrayBuffer()).equals(photo)).toBe(true);
  });
});
