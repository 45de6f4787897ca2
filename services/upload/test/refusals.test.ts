import { randomBytes, randomUUID } from "node:crypto";
import { mintToken, type TestCloud } from "@platform/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, postToS3, startPlatform, WRITE } from "./support/platform.ts";
import { expectGatewayRefusal, expectProblem, send } from "./support/refusal-expect.ts";

let cloud: TestCloud;
let alice: ReturnType<typeof apiClient>;
let bob: ReturnType<typeof apiClient>;
let aliceToken: string;

beforeAll(async () => {
  cloud = await startPlatform();
  aliceToken = await cloud.token("alice", WRITE);
  alice = apiClient(cloud, aliceToken);
  bob = apiClient(cloud, await cloud.token("bob", WRITE));
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
});

const MiB = 1024 * 1024;

/** A valid profile picture declaration, changed by `overrides` (an undefined value drops a field). */
function photo(overrides: Record<string, unknown> = {}) {
  const declared: Record<string, unknown> = {
    filename: "photo.jpg",
    contentType: "image/jpeg",
    size: 1024,
    purpose: "profile",
    ...overrides,
  };
  for (const [name, value] of Object.entries(declared))
    if (value === undefined) delete declared[name];
  return declared;
}

/** A file recorded for `client`, still pending. */
async function record(client: typeof alice, overrides: Record<string, unknown> = {}) {
  const created = await client("POST", "/uploads", photo(overrides));
  expect(created.status).toBe(201);
  return created.body as {
    fileId: string;
    key: string;
    upload: { url: string; fields: Record<string, string> };
  };
}

/** A file of alice's whose bytes have arrived. */
async function uploaded(bytes = randomBytes(1024)) {
  const file = await record(alice, { size: bytes.length });
  expect((await postToS3(file.upload, bytes, "image/jpeg")).status).toBe(204);
  await cloud.settle();
  return { ...file, bytes };
}

/** POST /uploads with a body sent exactly as given. */
const postRaw = (body: string, contentType: string) =>
  send(`${cloud.apiUrl}/uploads`, {
    method: "POST",
    headers: { authorization: `Bearer ${aliceToken}`, "content-type": contentType },
    body,
  });

describe("POST /uploads refuses a declaration it cannot honour", () => {
  it("answers 400 naming purpose for a purpose it does not know", async () => {
    const reply = await alice("POST", "/uploads", photo({ purpose: "wallpaper" }));
    expectProblem(reply, 400, "invalid-request", ["body:purpose"]);
  });

  it.each([
    ["a missing filename", { filename: undefined }, "filename"],
    ["an empty file", { size: 0 }, "size"],
    ["a fractional size", { size: 10.5 }, "size"],
    ["a size sent as text", { size: "1024" }, "size"],
    ["a content type that is not a media type", { contentType: "jpeg" }, "contentType"],
    ["a sha256 that is not 64 hex characters", { sha256: "abc123" }, "sha256"],
    ["a field the API does not know", { owner: "bob" }, "owner"],
    ["an entityId with a slash", { purpose: "feed", entityId: "album/1" }, "entityId"],
    ["an entityId that climbs out", { purpose: "feed", entityId: ".." }, "entityId"],
  ])("answers 400 naming the field for %s", async (_, overrides, field) => {
    const reply = await alice("POST", "/uploads", photo(overrides));
    expectProblem(reply, 400, "invalid-request", [`body:${field}`]);
  });

  it("names every bad field of one request at once", async () => {
    const reply = await alice(
      "POST",
      "/uploads",
      photo({ filename: "", size: -1, contentType: "nope", sha256: "x", colour: "red" }),
    );
    const problem = expectProblem(reply, 400, "invalid-request", [
      "body:filename",
      "body:size",
      "body:contentType",
      "body:sha256",
      "body:colour",
    ]);
    expect(problem.detail).toBe("5 invalid fields in the body");
  });

  it("answers 415 naming the header for a body that is not JSON", async () => {
    const reply = await postRaw("filename=photo.jpg", "application/x-www-form-urlencoded");
    expectProblem(reply, 415, "unsupported-media-type", ["header:content-type"]);
  });

  it("answers 400 for JSON it cannot parse", async () => {
    const reply = await postRaw('{"filename": "photo.jpg",', "application/json");
    expectProblem(reply, 400, "malformed-json");
  });

  it("answers 400 naming method for an upload method it does not offer", async () => {
    const reply = await alice("POST", "/uploads?method=bogus", photo());
    expectProblem(reply, 400, "invalid-request", ["query:method"]);
  });

  it("answers 415 naming contentType for a type the purpose does not take", async () => {
    const reply = await alice("POST", "/uploads", photo({ contentType: "application/pdf" }));
    const problem = expectProblem(reply, 415, "type-not-allowed", ["body:contentType"]);
    expect(problem.detail).toContain("image/jpeg");
  });

  it("answers 413 naming size just over the purpose's limit", async () => {
    const reply = await alice("POST", "/uploads", photo({ size: 10 * MiB + 1 }));
    const problem = expectProblem(reply, 413, "too-large", ["body:size"]);
    expect(problem.detail).toContain(String(10 * MiB));
  });

  it("answers 400 naming entityId when a chat file does not say which chat", async () => {
    const reply = await alice("POST", "/uploads", photo({ purpose: "chat" }));
    expectProblem(reply, 400, "invalid-request", ["body:entityId"]);
  });

  it("answers 403 naming entityId for a profile picture filed under someone else", async () => {
    const reply = await alice("POST", "/uploads", photo({ entityId: "bob" }));
    expectProblem(reply, 403, "not-your-entity", ["body:entityId"]);
  });

  it("records nothing for a refused request", async () => {
    const rita = apiClient(cloud, await cloud.token("rita", WRITE));
    expect((await rita("POST", "/uploads", photo({ size: 10 * MiB + 1 }))).status).toBe(413);
    expect((await rita("POST", "/uploads", photo({ contentType: "text/plain" }))).status).toBe(415);
    expect((await rita("POST", "/uploads", photo({ size: 0 }))).status).toBe(400);
    expect((await rita("GET", "/files")).body).toEqual({ items: [] });
  });
});

describe("POST /uploads without a valid token", () => {
  it("is refused with 401 by the gateway when no token is sent", async () => {
    const reply = await send(`${cloud.apiUrl}/uploads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(photo()),
    });
    expectGatewayRefusal(reply, 401, "Unauthorized");
  });

  it("is refused with 403 by the gateway for a token that may only read", async () => {
    const reader = apiClient(cloud, await cloud.token("alice", ["files:read"]));
    expectGatewayRefusal(await reader("POST", "/uploads", photo()), 403, "Forbidden");
  });

  it("is refused with 401 by the gateway for an expired token", async () => {
    const expired = await mintToken({
      dataDir: cloud.credentialsDir,
      subject: "alice",
      scopes: WRITE,
      ttlSeconds: -60,
    });
    expectGatewayRefusal(
      await apiClient(cloud, expired)("POST", "/uploads", photo()),
      401,
      "Unauthorized",
    );
  });
});

describe("a caller sees only their own files", () => {
  /** A 404 body with what must differ between two requests (the id asked for, the request) blanked. */
  const blanked = (body: { detail: string; instance: string }, fileId: string) => ({
    ...body,
    detail: body.detail.replace(fileId, "<id>"),
    instance: "<instance>",
  });

  it("answers bob with the same 404 for alice's file as for a file that does not exist", async () => {
    const { fileId } = await record(alice);
    const unknown = randomUUID();
    const routes = [
      ["GET", ""],
      ["GET", "/content"],
      ["DELETE", ""],
    ] as const;
    for (const [method, suffix] of routes) {
      const theirs = expectProblem(
        await bob(method, `/files/${fileId}${suffix}`),
        404,
        "not-found",
      );
      const none = expectProblem(await bob(method, `/files/${unknown}${suffix}`), 404, "not-found");
      expect(blanked(theirs, fileId)).toEqual(blanked(none, unknown));
    }
    // bob's DELETE changed nothing.
    expect((await alice("GET", `/files/${fileId}`)).body.status).toBe("pending");
  });

  it("never lists alice's files to bob", async () => {
    const { fileId } = await record(alice);
    await record(bob);
    const listed = await bob("GET", "/files?limit=100");
    expect(listed.status).toBe(200);
    expect(listed.body.items.length).toBeGreaterThan(0);
    expect(listed.body.items.map((f: { fileId: string }) => f.fileId)).not.toContain(fileId);
    const scoped = await bob("GET", "/files?purpose=profile&entityId=alice");
    expect(scoped.body).toEqual({ items: [] });
  });
});

describe("GET /files/{fileId}", () => {
  it("answers 400 naming fileId for an id that is not a uuid", async () => {
    expectProblem(await alice("GET", "/files/not-a-uuid"), 400, "invalid-request", ["path:fileId"]);
  });

  it("answers 404 for a uuid no file has", async () => {
    const fileId = randomUUID();
    const problem = expectProblem(await alice("GET", `/files/${fileId}`), 404, "not-found");
    expect(problem.detail).toContain(fileId);
  });
});

describe("GET /files", () => {
  it.each([
    ["a limit of 0", "limit=0", "limit"],
    ["a limit over 100", "limit=101", "limit"],
    ["a limit that is not a number", "limit=ten", "limit"],
    ["a cursor it never issued", "cursor=bm90LWEtY3Vyc29y", "cursor"],
    ["a parameter it does not know", "owner=bob", "owner"],
  ])("answers 400 naming the parameter for %s", async (_, query, name) => {
    expectProblem(await alice("GET", `/files?${query}`), 400, "invalid-request", [`query:${name}`]);
  });

  it("answers 400 naming cursor for a cursor issued to someone else", async () => {
    await record(alice);
    await record(alice);
    const page = await alice("GET", "/files?limit=1");
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const reply = await bob("GET", `/files?limit=1&cursor=${page.body.nextCursor}`);
    expectProblem(reply, 400, "invalid-request", ["query:cursor"]);
  });

  it("walks every file once, newest first, a page at a time", async () => {
    const paula = apiClient(cloud, await cloud.token("paula", WRITE));
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await record(paula)).fileId);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await paula("GET", `/files?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((f: { fileId: string }) => f.fileId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(created.reverse());
  });

  it("narrows the list by purpose, by entity, and by both", async () => {
    const quinn = apiClient(cloud, await cloud.token("quinn", WRITE));
    const avatar = await record(quinn);
    const album = await record(quinn, { purpose: "feed", entityId: "album-1" });
    const other = await record(quinn, { purpose: "feed", entityId: "album-2" });
    const ids = async (query: string) =>
      (await quinn("GET", `/files?${query}`)).body.items.map((f: { fileId: string }) => f.fileId);

    expect(await ids("purpose=profile")).toEqual([avatar.fileId]);
    expect(await ids("purpose=feed")).toEqual([other.fileId, album.fileId]);
    expect(await ids("entityId=album-1")).toEqual([album.fileId]);
    expect(await ids("purpose=feed&entityId=album-2")).toEqual([other.fileId]);
    expect(await ids("purpose=chat")).toEqual([]);
  });
});

describe("GET /files/{fileId}/content", () => {
  it("answers 409 while the file's bytes have not arrived", async () => {
    const { fileId } = await record(alice);
    const problem = expectProblem(await alice("GET", `/files/${fileId}/content`), 409, "conflict");
    expect(problem.detail).toContain("pending");
  });

  it("redirects to the bytes once they have arrived", async () => {
    const { fileId, bytes } = await uploaded();
    const reply = await alice("GET", `/files/${fileId}/content`);
    expect(reply.status).toBe(302);
    const location = reply.headers.get("location");
    expect(location).toBeTruthy();
    const content = await fetch(String(location));
    expect(content.status).toBe(200);
    expect(Buffer.from(await content.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("answers 404 naming the variants there are for one there is not", async () => {
    const { fileId } = await uploaded();
    const reply = await alice("GET", `/files/${fileId}/content?variant=thumb`);
    const problem = expectProblem(reply, 404, "not-found");
    expect(problem.detail).toContain("thumb");
    expect(problem.detail).toContain("available: original");
  });
});

describe("DELETE /files/{fileId}", () => {
  it("marks the file deleted at once, removes its bytes after, and can be repeated", async () => {
    const { fileId, key } = await uploaded();
    expect(await cloud.objectExists(key)).toBe(true);

    const reply = await alice("DELETE", `/files/${fileId}`);
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ fileId, status: "deleted" });
    expect((await alice("GET", `/files/${fileId}`)).body.status).toBe("deleted");

    await cloud.settle();
    expect(await cloud.objectExists(key)).toBe(false);
    const again = await alice("DELETE", `/files/${fileId}`);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ fileId, status: "deleted" });
  });
});
