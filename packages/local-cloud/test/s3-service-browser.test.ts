import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { parse, S3ObjectCreated } from "@platform/events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CorsRule } from "../src/s3/cors.ts";
import type { S3BusEvent } from "../src/s3/ports.ts";
import { createS3Service } from "../src/s3/service.ts";
import { S3Store } from "../src/s3/store.ts";

// What a browser (or any plain HTTP client) does against the S3 API: presigned URLs, POST
// uploads, CORS. Requests are signed by the real SDK presigners and verified for real.

const BUCKET = "uploads";
const APP = "https://app.example.com";
const rules: CorsRule[] = [
  {
    allowedOrigins: [APP, "http://*.localhost:3000"],
    allowedMethods: ["PUT", "POST", "GET"],
    allowedHeaders: ["content-type", "x-amz-*"],
    exposeHeaders: ["ETag", "x-amz-request-id"],
    maxAgeSeconds: 3000,
  },
  { allowedOrigins: ["*"], allowedMethods: ["GET"] },
];
const md5 = (data: string | Buffer) => createHash("md5").update(data).digest("hex");

let root: string;
let store: S3Store;
let server: Server;
let endpoint: string;
let s3: S3Client;
const events: S3BusEvent[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "s3-browser-"));
  store = await S3Store.open(root);
  const service = createS3Service({
    store,
    secrets: (key) => (key === "test-key" ? "test-secret" : undefined),
    emit: (event) => events.push(event),
    region: "us-east-1",
    accountId: "111111111111",
    buckets: [{ name: BUCKET, cors: rules }],
  });
  server = createServer((req, res) => void service.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s3 = new S3Client({
    region: "us-east-1",
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "test-key", secretAccessKey: "test-secret" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  await service.ready;
});

afterAll(async () => {
  s3.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  events.length = 0;
});

const head = (Key: string) => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key }));

describe("presigned URLs", () => {
  it("uploads with a presigned PUT and downloads with a presigned GET", async () => {
    const put = new PutObjectCommand({
      Bucket: BUCKET,
      Key: "tmp/avatar.png",
      ContentType: "image/png",
    });
    const url = await getSignedUrl(s3, put, { expiresIn: 300 });
    const uploaded = await fetch(url, {
      method: "PUT",
      headers: { "content-type": "image/png" },
      body: "png bytes",
    });
    expect(uploaded.status).toBe(200);
    expect(uploaded.headers.get("etag")).toBe(`"${md5("png bytes")}"`);
    expect(uploaded.headers.get("x-amz-request-id")).toMatch(/^[0-9A-F]{16}$/);
    expect((await head("tmp/avatar.png")).ContentType).toBe("image/png");

    const get = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: BUCKET, Key: "tmp/avatar.png" }),
    );
    const downloaded = await fetch(get);
    expect(await downloaded.text()).toBe("png bytes");
    expect(events.map((e) => e.detail.reason)).toEqual(["PutObject"]);
  });

  it("refuses a presigned PUT whose signature was tampered with, storing nothing", async () => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: "tmp/evil" }));
    const tampered = url.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_, c: string) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`,
    );
    const response = await fetch(tampered, { method: "PUT", body: "x" });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
    await expect(head("tmp/evil")).rejects.toMatchObject({ name: "NotFound" });
  });

  it("refuses a PUT announcing more than 5 GiB before reading it", async () => {
    const url = new URL(
      await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: "tmp/huge" })),
    );
    const answer = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const req = request(
        url,
        { method: "PUT", headers: { "content-length": String(6 * 1024 ** 3) } },
        (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode, body }));
        },
      );
      req.on("error", reject);
      req.write("first bytes");
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain("<Code>EntityTooLarge</Code>");
    expect(answer.body).toContain("<MaxSizeAllowed>5368709120</MaxSizeAllowed>");
  });

  it("refuses a PUT that does not announce its length, as S3 does", async () => {
    const url = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: BUCKET, Key: "tmp/unsized" }),
    );
    const body = Readable.toWeb(Readable.from([Buffer.from("streamed")])) as ReadableStream;
    const response = await fetch(url, { method: "PUT", body, duplex: "half" } as RequestInit);
    expect(response.status).toBe(411);
    expect(await response.text()).toContain("<Code>MissingContentLength</Code>");
    await expect(head("tmp/unsized")).rejects.toMatchObject({ name: "NotFound" });
  });

  it("decodes aws-chunked bodies with a trailing checksum from a client left on SDK defaults", async () => {
    const defaults = new S3Client({
      region: "us-east-1",
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: "test-key", secretAccessKey: "test-secret" },
    });
    const body = Readable.from([Buffer.alloc(70_000, 1), Buffer.from("end")]);
    await defaults.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: "chunked", Body: body, ContentLength: 70_003 }),
    );
    defaults.destroy();
    const stored = await head("chunked");
    expect(stored.ContentLength).toBe(70_003);
    expect(stored.ContentEncoding).toBeUndefined();
  });
});

describe("presigned POST", () => {
  async function form(key: string, options: { max?: number; status?: string } = {}) {
    const post = await createPresignedPost(s3, {
      Bucket: BUCKET,
      Key: key,
      Conditions: [
        ["content-length-range", 1, options.max ?? 1024],
        ["starts-with", "$Content-Type", "image/"],
      ],
      Fields: {
        "Content-Type": "image/jpeg",
        ...(options.status ? { success_action_status: options.status } : {}),
      },
      Expires: 300,
    });
    return post;
  }
  async function send(
    post: { url: string; fields: Record<string, string> },
    file: Blob,
    origin?: string,
  ) {
    const body = new FormData();
    for (const [name, value] of Object.entries(post.fields)) body.append(name, value);
    body.append("file", file, "photo.jpg");
    return fetch(post.url, { method: "POST", body, headers: origin ? { origin } : {} });
  }

  it("stores the file and answers 204 by default, with CORS headers for the page's origin", async () => {
    const response = await send(await form("tmp/post-1.jpg"), new Blob(["jpeg bytes"]), APP);
    expect(response.status).toBe(204);
    expect(response.headers.get("etag")).toBe(`"${md5("jpeg bytes")}"`);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP);
    expect(response.headers.get("access-control-expose-headers")).toBe("ETag, x-amz-request-id");
    expect(await head("tmp/post-1.jpg")).toMatchObject({
      ContentType: "image/jpeg",
      ContentLength: 10,
    });
    const [event] = events;
    expect(event?.detail).toMatchObject({
      reason: "POST Object",
      object: { key: "tmp/post-1.jpg", size: 10 },
    });
    expect(parse(S3ObjectCreated, structuredClone(event))).toBeDefined();
  });

  it("answers success_action_status 201 with S3's PostResponse document", async () => {
    const response = await send(await form("tmp/post 2.jpg", { status: "201" }), new Blob(["x"]));
    expect(response.status).toBe(201);
    const xml = await response.text();
    expect(xml).toContain(
      `<Bucket>${BUCKET}</Bucket><Key>tmp/post 2.jpg</Key><ETag>&quot;${md5("x")}&quot;</ETag>`,
    );
    expect(xml).toContain(`<Location>${endpoint}/${BUCKET}/tmp/post%202.jpg</Location>`);
  });

  it("refuses a file over the policy's content-length-range and stores nothing", async () => {
    const response = await send(
      await form("tmp/too-big.jpg", { max: 100 }),
      new Blob([Buffer.alloc(5000)]),
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("<Code>EntityTooLarge</Code>");
    await expect(head("tmp/too-big.jpg")).rejects.toMatchObject({ name: "NotFound" });
    expect(events).toEqual([]);
    expect(await readdir(store.tmpDir)).toEqual([]);
  });

  it("refuses a form whose fields were changed after signing", async () => {
    const post = await form("tmp/ok.jpg");
    const response = await send(
      { ...post, fields: { ...post.fields, key: "public/other.jpg" } },
      new Blob(["x"]),
    );
    expect(response.status).toBe(403);
    await expect(head("public/other.jpg")).rejects.toMatchObject({ name: "NotFound" });
  });
});

describe("CORS", () => {
  const preflight = (origin: string, method: string, headers?: string) =>
    fetch(`${endpoint}/${BUCKET}/tmp/photo.jpg`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": method,
        ...(headers ? { "access-control-request-headers": headers } : {}),
      },
    });
  const corsHeaders = (response: Response) =>
    Object.fromEntries(
      [...response.headers].filter(
        ([name]) => name.startsWith("access-control-") || name === "vary",
      ),
    );

  it("allows a preflight the first matching rule covers, naming the origin", async () => {
    const response = await preflight(APP, "PUT", "Content-Type, X-Amz-Date");
    expect(response.status).toBe(200);
    expect(corsHeaders(response)).toEqual({
      "access-control-allow-origin": APP,
      "access-control-allow-methods": "PUT, POST, GET",
      "access-control-allow-headers": "content-type, x-amz-date",
      "access-control-expose-headers": "ETag, x-amz-request-id",
      "access-control-max-age": "3000",
      "access-control-allow-credentials": "true",
      vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    });
  });

  it("matches a wildcard origin, and answers * for a rule that allows any origin", async () => {
    expect((await preflight("http://dev.localhost:3000", "POST")).status).toBe(200);
    const anyone = await preflight("https://elsewhere.example", "GET");
    expect(corsHeaders(anyone)).toEqual({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET",
      vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    });
  });

  it("refuses a preflight no rule allows with S3's 403", async () => {
    for (const response of [
      await preflight("https://evil.example", "PUT"),
      await preflight(APP, "DELETE"),
      await preflight(APP, "PUT", "authorization-extra"),
    ]) {
      expect(response.status).toBe(403);
      expect(corsHeaders(response)).toEqual({});
      const xml = await response.text();
      expect(xml).toContain("<Code>AccessForbidden</Code>");
      expect(xml).toContain(
        "<Message>CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource&apos;s CORS spec.</Message>",
      );
    }
  });

  it("adds CORS headers to actual requests from an allowed origin, errors included", async () => {
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: BUCKET, Key: "tmp/missing.jpg" }),
    );
    const response = await fetch(url, { headers: { origin: APP } });
    expect(response.status).toBe(404);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP);
    expect(response.headers.get("access-control-expose-headers")).toBe("ETag, x-amz-request-id");
    const stranger = await fetch(url, { headers: { origin: "https://evil.example" } });
    expect(stranger.headers.get("access-control-allow-origin")).toBe("*");
  });
});
