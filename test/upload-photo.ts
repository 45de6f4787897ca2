import type { TestCloud } from "@platform/local-cloud";
import sharp from "sharp";
import { expect } from "vitest";

/**
 * A JPEG of `width`×`height` uploaded the way a client does (POST /uploads?method=put, then the
 * signed PUT), once everything it set off has settled: the file's id and the bytes sent.
 */
export async function uploadPhoto(
  cloud: TestCloud,
  token: string,
  photo: { width: number; height: number; purpose: string; filename: string },
): Promise<{ fileId: string; bytes: Buffer }> {
  const bytes = await sharp({
    create: { width: photo.width, height: photo.height, channels: 3, background: "#2a6" },
  })
    .jpeg()
    .toBuffer();
  const response = await fetch(`${cloud.apiUrl}/uploads?method=put`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      filename: photo.filename,
      contentType: "image/jpeg",
      size: bytes.length,
      purpose: photo.purpose,
    }),
  });
  expect(response.status).toBe(201);
  const created = (await response.json()) as {
    fileId: string;
    upload: { url: string; headers: Record<string, string> };
  };
  const { url, headers } = created.upload;
  expect((await fetch(url, { method: "PUT", headers, body: bytes })).status).toBe(200);
  await cloud.settle();
  return { fileId: created.fileId, bytes };
}
