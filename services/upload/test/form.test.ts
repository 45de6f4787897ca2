import { randomBytes } from "node:crypto";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { type ApiRequest, PROBLEM_BASE } from "@platform/http-api";
import type { TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The local cloud's key store, as its own REST API tests create keys; the package exports no door to it.
import { ApiKeys } from "../../../packages/local-cloud/src/apigateway/api-keys.ts";
import { routes } from "../src/api/form.ts";
import { apiClient, startPlatform, WRITE } from "./support/platform.ts";
import { fakePorts, memoryFiles, memorySink, noStorage } from "./unit/fakes.ts";

let cloud: TestCloud;
let token: string;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  cloud = await startPlatform();
  token = await cloud.token("alice", WRITE);
  api = apiClient(cloud, token);
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
});

/** POST /files as a browser would send a form: fetch encodes the FormData. */
async function postForm(
  body: FormData | string,
  headers: Record<string, string> = { authorization: `Bearer ${token}` },
  base = cloud.apiUrl,
) {
  const response = await fetch(`${base}/files`, { method: "POST", headers, body });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    body: text ? JSON.parse(text) : undefined,
  };
}

function formOf(fields: Record<string, string>, files: [Uint8Array, string, string][] = []) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const [bytes, type, filename] of files)
    form.append("file", new Blob([bytes], { type }), filename);
  return form;
}

const fileIds = async () =>
  ((await api("GET", "/files?limit=100")).body.items as { fileId: string }[]).map((f) => f.fileId);

/** Every object key under a prefix of the uploads bucket. */
async function objectsUnder(prefix: string): Promise<string[]> {
  const listed = await cloud.s3.send(
    new ListObjectsV2Command({ Bucket: cloud.names.bucket, Prefix: prefix }),
  );
  return (listed.Contents ?? []).map((object) => object.Key ?? "");
}

const TMP_KEY = /^tmp\/feed\/alice\/[0-9a-f-]{36}_\d+\.jpg$/;

// Generous: these wait for the platform's events, and a shared machine can be slow.
describe("uploading small files as a form", { timeout: 30_000 }, () => {
  it("stores every file of the request, each reaching uploaded with its exact bytes", async () => {
    const first = randomBytes(1500);
    const second = randomBytes(700);
    const sent = await postForm(
      formOf({ purpose: "feed" }, [
        [first, "image/jpeg", "one.jpg"],
        [second, "image/png", "two.png"],
      ]),
    );
    expect(sent.status).toBe(201);
    const [one, two] = sent.body.files;
    expect(one).toMatchObject({ status: "pending", key: expect.stringMatching(TMP_KEY) });
    expect(two.key).toMatch(/^tmp\/feed\/alice\/[0-9a-f-]{36}_\d+\.png$/);
    await cloud.settle();

    for (const [created, bytes, filename] of [
      [one, first, "one.jpg"],
      [two, second, "two.png"],
    ] as const) {
      const file = await api("GET", `/files/${created.fileId}`);
      expect(file.body).toMatchObject({ status: "uploaded", size: bytes.length, filename });
      const original = await fetch(file.body.original.url);
      expect(Buffer.from(await original.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  it("keeps path-like, unicode and long filenames as data, never in the key", async () => {
    const names = ["../../etc/passwd", "사진 😀.jpg", `${"a".repeat(296)}.jpg`];
    const sent = await postForm(
      formOf(
        { purpose: "feed" },
        names.map((name) => [randomBytes(64), "image/jpeg", name]),
      ),
    );
    expect(sent.status).toBe(201);
    const files = sent.body.files as { fileId: string; key: string }[];
    for (const [index, name] of names.entries()) {
      const created = files[index];
      expect(created?.key).toMatch(TMP_KEY);
      const file = await api("GET", `/files/${created?.fileId}`);
      expect(file.body.filename).toBe(name);
    }
  });

  it("takes a form from a server client through the API-key door", async () => {
    const { key } = await new ApiKeys(cloud.credentialsDir).create({
      name: "form-server",
      owner: "acme",
      plan: { rateLimit: 100, burstLimit: 100, quotaPerDay: 10_000 },
    });
    const bytes = randomBytes(900);
    const sent = await postForm(
      formOf({ purpose: "chat", entityId: "room-7" }, [[bytes, "application/pdf", "deck.pdf"]]),
      { "x-api-key": key },
      cloud.serverApiUrl,
    );
    expect(sent.status).toBe(201);
    expect(sent.body.files[0].key).toMatch(/^tmp\/chat\/room-7\/[0-9a-f-]{36}_\d+\.pdf$/);
    await cloud.settle();
    const file = await fetch(`${cloud.serverApiUrl}/files/${sent.body.files[0].fileId}`, {
      headers: { "x-api-key": key },
    });
    expect(await file.json()).toMatchObject({ status: "uploaded", size: bytes.length });
  });
});

describe("refusing a form", { timeout: 30_000 }, () => {
  it("answers 400 naming purpose when the form has none", async () => {
    const sent = await postForm(formOf({}, [[randomBytes(10), "image/jpeg", "a.jpg"]]));
    expect(sent.status).toBe(400);
    expect(sent.contentType).toBe("application/problem+json");
    expect(sent.body).toMatchObject({
      type: `${PROBLEM_BASE}invalid-request`,
      status: 400,
      errors: [{ in: "form", name: "purpose" }],
    });
  });

  it("answers 400 for an unknown purpose", async () => {
    const sent = await postForm(
      formOf({ purpose: "wallpaper" }, [[randomBytes(10), "image/jpeg", "a.jpg"]]),
    );
    expect(sent.status).toBe(400);
    expect(sent.body.errors).toEqual([expect.objectContaining({ in: "form", name: "purpose" })]);
  });

  it("answers 400 naming a field the form does not take", async () => {
    const sent = await postForm(
      formOf({ purpose: "feed", caption: "hello" }, [[randomBytes(10), "image/jpeg", "a.jpg"]]),
    );
    expect(sent.status).toBe(400);
    expect(sent.body.errors).toEqual([
      { in: "form", name: "caption", detail: "is not a known field" },
    ]);
  });

  it("answers 400 naming an empty file by its index", async () => {
    const sent = await postForm(
      formOf({ purpose: "feed" }, [
        [randomBytes(10), "image/jpeg", "a.jpg"],
        [new Uint8Array(0), "image/jpeg", "empty.jpg"],
      ]),
    );
    expect(sent.status).toBe(400);
    expect(sent.body.errors).toEqual([{ in: "form", name: "file[1]", detail: "is empty" }]);
  });

  it("answers 400 naming entityId when the purpose needs one", async () => {
    const sent = await postForm(
      formOf({ purpose: "chat" }, [[randomBytes(10), "text/plain", "notes.txt"]]),
    );
    expect(sent.status).toBe(400);
    expect(sent.body.errors).toEqual([
      { in: "form", name: "entityId", detail: "required for chat" },
    ]);
  });

  it("answers 415 for a type the purpose does not take, recording none of the files", async () => {
    const before = await fileIds();
    const sent = await postForm(
      formOf({ purpose: "profile" }, [
        [randomBytes(10), "image/jpeg", "fine.jpg"],
        [randomBytes(10), "application/pdf", "cv.pdf"],
      ]),
    );
    expect(sent.status).toBe(415);
    expect(sent.body).toMatchObject({
      type: `${PROBLEM_BASE}type-not-allowed`,
      status: 415,
      errors: [{ in: "form", name: "file[1]", detail: "not allowed for this purpose" }],
    });
    await cloud.settle();
    expect(await fileIds()).toEqual(before);
    expect(await objectsUnder("tmp/profile/")).toEqual([]);
  });

  it("answers 415 for a body that is not multipart/form-data", async () => {
    const sent = await postForm(JSON.stringify({ purpose: "feed" }), {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
    });
    expect(sent.status).toBe(415);
    expect(sent.body).toMatchObject({
      type: `${PROBLEM_BASE}unsupported-media-type`,
      errors: [{ in: "header", name: "content-type" }],
    });
  });

  it("answers 413 for a request over 6 MB, recording nothing", async () => {
    const before = await fileIds();
    const sent = await postForm(
      formOf({ purpose: "feed" }, [[randomBytes(6 * 1024 * 1024 + 1), "image/jpeg", "big.jpg"]]),
    );
    expect(sent.status).toBe(413);
    expect(await fileIds()).toEqual(before);
  });

  it("answers 401 without a token, from the gateway", async () => {
    const sent = await postForm(
      formOf({ purpose: "feed" }, [[randomBytes(10), "image/jpeg", "a.jpg"]]),
      {},
    );
    expect(sent.status).toBe(401);
    expect(sent.body).toEqual({ message: "Unauthorized" });
  });
});

describe("a form whose storing fails part-way", () => {
  /** POST /files with `count` small JPEGs, as the gateway hands it to the function. */
  async function formRequest(count: number): Promise<ApiRequest> {
    const form = formOf(
      { purpose: "feed" },
      Array.from({ length: count }, (_, i) => [randomBytes(32), "image/jpeg", `${i}.jpg`]),
    );
    const encoded = new Request("http://api.test/files", { method: "POST", body: form });
    return {
      routeKey: "POST /files",
      params: {},
      query: {},
      headers: { "content-type": encoded.headers.get("content-type") ?? "" },
      body: Buffer.from(await encoded.arrayBuffer()),
      principal: { ownerId: "alice", actor: { type: "user", id: "alice" } },
      requestId: "req-form",
    };
  }

  it("deletes the files it already recorded, so the client is left with none of them", async () => {
    const files = memoryFiles();
    const events = memorySink();
    const stored: string[] = [];
    let ids = 0;
    const ports = fakePorts({
      files,
      events,
      newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`,
      storage: {
        ...noStorage,
        async put(key) {
          // The first file is stored; the second one's put fails; the third is never reached.
          if (stored.length === 1) throw new Error("the bucket is unreachable");
          stored.push(key);
        },
      },
    });

    await expect(routes["POST /files"]?.(await formRequest(3), ports)).rejects.toThrow(
      "the bucket is unreachable",
    );

    const [first, second, ...others] = [...files.rows.values()];
    expect(others).toEqual([]);
    expect([first?.status, second?.status]).toEqual(["deleted", "deleted"]);
    expect(first?.key).toBe(stored[0]);
    const deletions = events.published.filter((e) => e.detailType === "upload.file.deleted");
    expect(deletions.map((e) => [e.data.fileId, e.data.keys, e.actor])).toEqual([
      [first?.fileId, [first?.key], { type: "user", id: "alice" }],
      [second?.fileId, [second?.key], { type: "user", id: "alice" }],
    ]);
  });
});
