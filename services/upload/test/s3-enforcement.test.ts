import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, postToS3, startPlatform, WRITE } from "./support/platform.ts";
import { eventsAbout, runSweep } from "./support/refusal-cloud.ts";
import { s3Refusal } from "./support/refusal-expect.ts";

let cloud: TestCloud;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  cloud = await startPlatform();
  api = apiClient(cloud, await cloud.token("alice", WRITE));
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
});

interface Created {
  fileId: string;
  key: string;
  upload: {
    url: string;
    fields: Record<string, string>;
    headers: Record<string, string>;
    expiresAt: string;
  };
}

/** Records a PNG of `bytes` and signs its upload (POST unless `method` says put). */
async function declare(
  bytes: Uint8Array,
  options: { method?: "put"; sha256?: boolean; expiresIn?: number } = {},
): Promise<Created> {
  const created = await api("POST", `/uploads${options.method ? "?method=put" : ""}`, {
    filename: "photo.png",
    contentType: "image/png",
    size: bytes.length,
    purpose: "feed",
    ...(options.sha256 ? { sha256: createHash("sha256").update(bytes).digest("hex") } : {}),
    ...(options.expiresIn ? { expiresIn: options.expiresIn } : {}),
  });
  expect(created.status).toBe(201);
  return created.body;
}

const put = (url: string, headers: Record<string, string>, body: Uint8Array) =>
  fetch(url, { method: "PUT", headers, body });

/** What a refused upload must leave behind: no object, a pending file, no uploaded event. */
async function expectNothingArrived(file: Created) {
  await cloud.settle();
  expect(await cloud.objectExists(file.key)).toBe(false);
  expect((await api("GET", `/files/${file.fileId}`)).body.status).toBe("pending");
  expect(await eventsAbout(cloud, file.fileId)).toEqual(["upload.file.requested"]);
}

describe("a presigned POST", () => {
  it.each([
    ["one byte more", 1, "EntityTooLarge"],
    ["one byte fewer", -1, "EntityTooSmall"],
  ])("is refused by S3 for a body of %s than declared", async (_, extra, code) => {
    const file = await declare(randomBytes(1000));
    const refusal = await s3Refusal(
      await postToS3(file.upload, randomBytes(1000 + extra), "image/png"),
    );
    expect(refusal).toMatchObject({ status: 400, code });
    await expectNothingArrived(file);
  });

  it("is refused by S3 when the form changes the content type", async () => {
    const bytes = randomBytes(1000);
    const file = await declare(bytes);
    const fields = { ...file.upload.fields, "Content-Type": "text/html" };
    const refusal = await s3Refusal(await postToS3({ ...file.upload, fields }, bytes, "text/html"));
    expect(refusal.status).toBe(403);
    expect(refusal.code).toBe("AccessDenied");
    expect(refusal.message).toContain("Policy Condition failed");
    await expectNothingArrived(file);
  });

  it("is refused by S3 when the form names another key", async () => {
    const bytes = randomBytes(1000);
    const file = await declare(bytes);
    const elsewhere = file.key.replace(file.fileId, randomUUID());
    const fields = { ...file.upload.fields, key: elsewhere };
    const refusal = await s3Refusal(await postToS3({ ...file.upload, fields }, bytes, "image/png"));
    expect(refusal).toMatchObject({ status: 403, code: "AccessDenied" });
    expect(await cloud.objectExists(elsewhere)).toBe(false);
    await expectNothingArrived(file);
  });
});

describe("a presigned PUT", () => {
  it("is refused by S3 with another content type", async () => {
    const bytes = randomBytes(1000);
    const file = await declare(bytes, { method: "put" });
    const headers = { ...file.upload.headers, "content-type": "text/html" };
    const refusal = await s3Refusal(await put(file.upload.url, headers, bytes));
    expect(refusal).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    await expectNothingArrived(file);
  });

  it("is refused by S3 with another length", async () => {
    const file = await declare(randomBytes(1000), { method: "put" });
    const refusal = await s3Refusal(
      await put(file.upload.url, file.upload.headers, randomBytes(1001)),
    );
    expect(refusal).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    await expectNothingArrived(file);
  });

  it("is refused by S3 when the bytes do not match the declared sha256", async () => {
    const file = await declare(randomBytes(1000), { method: "put", sha256: true });
    const refusal = await s3Refusal(
      await put(file.upload.url, file.upload.headers, randomBytes(1000)),
    );
    expect(refusal).toMatchObject({ status: 400, code: "BadDigest" });
    await expectNothingArrived(file);
  });

  it("is refused by S3 for another key put in the URL's path", async () => {
    const bytes = randomBytes(1000);
    const file = await declare(bytes, { method: "put" });
    const elsewhere = file.key.replace(file.fileId, randomUUID());
    const url = file.upload.url.replace(file.key, elsewhere);
    expect(url).not.toBe(file.upload.url);
    const refusal = await s3Refusal(await put(url, file.upload.headers, bytes));
    expect(refusal).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    expect(await cloud.objectExists(elsewhere)).toBe(false);
    await expectNothingArrived(file);
  });
});

describe("an upload whose URL has expired", () => {
  const bytes = randomBytes(1000);
  let viaPost: Created;
  let viaPut: Created;
  let arrived: Created;

  beforeAll(async () => {
    viaPost = await declare(bytes, { expiresIn: 1 });
    viaPut = await declare(bytes, { method: "put", expiresIn: 1 });
    // Sent in time: the sweep must leave it alone even though its URL has expired since.
    arrived = await declare(bytes, { method: "put", expiresIn: 3 });
    expect((await put(arrived.upload.url, arrived.upload.headers, bytes)).status).toBe(200);
    await cloud.settle();
    // Past every expiry, with a margin: S3 signs to the second.
    const last = Math.max(...[viaPost, viaPut, arrived].map((f) => Date.parse(f.upload.expiresAt)));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, last - Date.now()) + 1500));
  }, 15_000);

  it("is refused by S3 as a POST, and the file stays pending", async () => {
    const refusal = await s3Refusal(await postToS3(viaPost.upload, bytes, "image/png"));
    expect(refusal).toMatchObject({ status: 403, code: "AccessDenied" });
    expect(refusal.message).toMatch(/expired/i);
    await expectNothingArrived(viaPost);
  });

  it("is refused by S3 as a PUT, and the file stays pending", async () => {
    const refusal = await s3Refusal(await put(viaPut.upload.url, viaPut.upload.headers, bytes));
    expect(refusal).toMatchObject({
      status: 403,
      code: "AccessDenied",
      message: "Request has expired",
    });
    await expectNothingArrived(viaPut);
  });

  it("is expired by the sweep, which leaves an uploaded file alone", async () => {
    // Every other pending file here was signed for the default five minutes: not yet due.
    const swept = await runSweep(cloud, 0);
    expect(swept.sort()).toEqual([viaPost.fileId, viaPut.fileId].sort());
    await cloud.settle();

    for (const file of [viaPost, viaPut]) {
      expect((await api("GET", `/files/${file.fileId}`)).body.status).toBe("expired");
      expect(await eventsAbout(cloud, file.fileId)).toEqual([
        "upload.file.requested",
        "upload.file.expired",
      ]);
    }
    expect((await api("GET", `/files/${arrived.fileId}`)).body.status).toBe("uploaded");
    expect(await eventsAbout(cloud, arrived.fileId)).not.toContain("upload.file.expired");
    expect(await runSweep(cloud, 0)).toEqual([]);
  });
});
