import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { authenticate, contentSha256Mismatch } from "../src/s3/auth.ts";
import type { IncomingS3Request, SecretLookup } from "../src/s3/ports.ts";
import { s3Error } from "./support/s3-error.ts";

const ACCESS_KEY = "AKIALOCALHEADER00001";
const SECRET = "local/header+secret";
const secrets: SecretLookup = (id) => (id === ACCESS_KEY ? SECRET : undefined);
const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your key and signing method.";

interface Captured {
  req: IncomingS3Request;
  body: Buffer;
  /** When the SDK signed it (its x-amz-date). */
  signedAt: Date;
}

/**
 * Sends one command with the real SDK to a loopback server and returns the request exactly as
 * it arrived on the wire (path encoding, query string, headers), without answering anything
 * meaningful: the SDK may then fail to parse the empty reply, which does not matter here.
 */
async function sent(
  send: (s3: S3Client) => Promise<unknown>,
  credentials = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
): Promise<Captured> {
  const seen: Captured[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      const amzDate = String(req.headers["x-amz-date"]);
      const iso = amzDate.replace(
        /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
        "$1-$2-$3T$4:$5:$6Z",
      );
      const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers };
      seen.push({ req: request, body: Buffer.concat(parts), signedAt: new Date(iso) });
      res.writeHead(200, { "content-length": "0" }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const s3 = new S3Client({
    region: "eu-west-1",
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
  });
  await send(s3).catch(() => undefined);
  s3.destroy();
  server.closeAllConnections();
  server.close();
  const [first] = seen;
  if (!first) throw new Error("the SDK sent nothing");
  return first;
}

const put = (key = "docs/report.txt", body = "hello, world") =>
  sent((s3) =>
    s3.send(
      new PutObjectCommand({ Bucket: "media", Key: key, Body: body, ContentType: "text/plain" }),
    ),
  );

const verifying =
  (c: Captured, now = c.signedAt) =>
  () =>
    authenticate(c.req, secrets, now);
const withHeaders = (c: Captured, headers: Record<string, string | undefined>): Captured => ({
  ...c,
  req: { ...c.req, headers: { ...c.req.headers, ...headers } },
});

describe("requests signed in the Authorization header by the AWS SDK", () => {
  it("accepts a PUT and hands back the SHA-256 the body must have", async () => {
    const captured = await put();
    const auth = authenticate(captured.req, secrets, captured.signedAt);
    const bodyHash = createHash("sha256").update(captured.body).digest("hex");
    expect(auth).toEqual({
      via: "header",
      accessKeyId: ACCESS_KEY,
      region: "eu-west-1",
      payload: { kind: "sha256", expected: bodyHash },
    });
  });

  it("offers S3's refusal for a body that does not have the signed SHA-256", () => {
    const error = contentSha256Mismatch("aa".repeat(32), "bb".repeat(32));
    expect(error).toMatchObject({
      code: "XAmzContentSHA256Mismatch",
      status: 400,
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
      details: {
        ClientComputedContentSHA256: "aa".repeat(32),
        S3ComputedContentSHA256: "bb".repeat(32),
      },
    });
  });

  it("accepts a GET with a signed Range header", async () => {
    const captured = await sent((s3) =>
      s3.send(new GetObjectCommand({ Bucket: "media", Key: "video.mp4", Range: "bytes=0-1023" })),
    );
    expect(captured.req.headers.range).toBe("bytes=0-1023");
    expect(authenticate(captured.req, secrets, captured.signedAt).via).toBe("header");
  });

  it.each([
    "with space/and space.txt",
    "ünïcödé/日本語/😀.png",
    "plus+sign+key",
    "tilde~and~dots..txt",
    "percent%20literal%zz.txt",
    "sub!dir/'quoted'(paren)*star=eq&amp;semi;colon:at@dollar$comma,.txt",
    "//leading/and//double//slashes/",
  ])("accepts a PUT of the key %j, however it has to be URI-encoded", async (key) => {
    const captured = await put(key);
    expect(authenticate(captured.req, secrets, captured.signedAt).accessKeyId).toBe(ACCESS_KEY);
  });

  it("accepts a ListObjectsV2 with prefix, delimiter, start-after and continuation token", async () => {
    const captured = await sent((s3) =>
      s3.send(
        new ListObjectsV2Command({
          Bucket: "media",
          Prefix: "photos/2026 März/",
          Delimiter: "/",
          StartAfter: "photos/a+b",
          ContinuationToken: "1/ab+cd==",
          MaxKeys: 50,
          EncodingType: "url",
          FetchOwner: true,
        }),
      ),
    );
    expect(captured.req.url).toContain("continuation-token=");
    expect(authenticate(captured.req, secrets, captured.signedAt).via).toBe("header");
  });

  it("canonicalises the query whatever order its parameters arrive in", async () => {
    const captured = await sent((s3) =>
      s3.send(
        new ListObjectsV2Command({ Bucket: "media", Prefix: "a/", Delimiter: "/", MaxKeys: 5 }),
      ),
    );
    const [path = "", query = ""] = captured.req.url.split("?");
    const reversed = `${path}?${query.split("&").reverse().join("&")}`;
    expect(reversed).not.toBe(captured.req.url);
    const shuffled = { ...captured, req: { ...captured.req, url: reversed } };
    expect(verifying(shuffled)()).toMatchObject({ via: "header" });
  });

  it("accepts metadata whose value has runs of spaces (signed collapsed to one)", async () => {
    const captured = await sent((s3) =>
      s3.send(
        new PutObjectCommand({
          Bucket: "media",
          Key: "k",
          Body: "x",
          Metadata: { note: "a  b   c" },
        }),
      ),
    );
    expect(captured.req.headers["x-amz-meta-note"]).toBe("a  b   c");
    expect(verifying(captured)()).toMatchObject({ via: "header" });
  });

  it("accepts a sub-resource with an empty value (?uploads) and one with a body (?delete)", async () => {
    const uploads = await sent((s3) =>
      s3.send(new CreateMultipartUploadCommand({ Bucket: "media", Key: "big.bin" })),
    );
    expect(uploads.req.url).toMatch(/\?uploads/);
    expect(authenticate(uploads.req, secrets, uploads.signedAt).via).toBe("header");
    const deletes = await sent((s3) =>
      s3.send(new DeleteObjectsCommand({ Bucket: "media", Delete: { Objects: [{ Key: "a" }] } })),
    );
    expect(authenticate(deletes.req, secrets, deletes.signedAt).payload.kind).toBe("sha256");
  });

  it("refuses a tampered signature, with the canonical request it computed", async () => {
    const captured = await put();
    const auth = String(captured.req.headers.authorization);
    const tampered = withHeaders(captured, {
      // Change the first hex digit to another one (never to itself).
      authorization: auth.replace(
        /Signature=(.)/,
        (_, c: string) => `Signature=${c === "0" ? "1" : "0"}`,
      ),
    });
    expect(verifying(tampered)).toThrow(
      s3Error("SignatureDoesNotMatch", MISMATCH, {
        AWSAccessKeyId: ACCESS_KEY,
        CanonicalRequest: expect.stringMatching(
          /^PUT\n\/media\/docs\/report\.txt\nx-id=PutObject\n/,
        ),
        StringToSign: expect.stringContaining("/eu-west-1/s3/aws4_request\n"),
      }),
    );
  });

  it("refuses a changed Content-Type", async () => {
    const captured = await put();
    const html = withHeaders(captured, { "content-type": "text/html" });
    expect(verifying(html)).toThrow(s3Error("SignatureDoesNotMatch", MISMATCH));
  });

  it("refuses the request replayed against another key or bucket", async () => {
    const captured = await put();
    for (const url of [
      "/media/docs/other.txt?x-id=PutObject",
      "/private/docs/report.txt?x-id=PutObject",
    ]) {
      const moved = { ...captured, req: { ...captured.req, url } };
      expect(verifying(moved)).toThrow(s3Error("SignatureDoesNotMatch", MISMATCH));
    }
  });

  it("refuses a request signed with the wrong secret", async () => {
    const captured = await sent(
      (s3) => s3.send(new GetObjectCommand({ Bucket: "media", Key: "k" })),
      { accessKeyId: ACCESS_KEY, secretAccessKey: "wrong" },
    );
    expect(verifying(captured)).toThrow(s3Error("SignatureDoesNotMatch", MISMATCH));
  });

  it("refuses an access key it does not know", async () => {
    const captured = await sent(
      (s3) => s3.send(new GetObjectCommand({ Bucket: "media", Key: "k" })),
      { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: SECRET },
    );
    expect(verifying(captured)).toThrow(
      s3Error(
        "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records.",
      ),
    );
  });

  it.each([16, -16])("refuses a request signed %i minutes away from the clock", async (minutes) => {
    const captured = await put();
    const now = new Date(captured.signedAt.getTime() - minutes * 60_000);
    expect(verifying(captured, now)).toThrow(
      s3Error(
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
        { RequestTime: captured.req.headers["x-amz-date"], MaxAllowedSkewMilliseconds: 900_000 },
      ),
    );
    expect(verifying(captured, now)).toThrow(expect.objectContaining({ status: 403 }));
  });

  it("accepts a request signed 14 minutes away from the clock", async () => {
    const captured = await put();
    const now = new Date(captured.signedAt.getTime() + 14 * 60_000);
    expect(verifying(captured, now)()).toMatchObject({ via: "header" });
  });

  it("refuses a request without x-amz-content-sha256", async () => {
    const captured = await put();
    const missing = withHeaders(captured, { "x-amz-content-sha256": undefined });
    expect(verifying(missing)).toThrow(
      s3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256"),
    );
    expect(verifying(missing)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it("refuses an x-amz-content-sha256 that is neither a hash nor a known mode", async () => {
    const captured = await put();
    const odd = withHeaders(captured, { "x-amz-content-sha256": "whatever" });
    expect(verifying(odd)).toThrow(
      s3Error("InvalidArgument", undefined, { ArgumentName: "x-amz-content-sha256" }),
    );
  });

  it("refuses an x-amz-* header added after signing", async () => {
    const captured = await put();
    const extra = withHeaders(captured, { "x-amz-acl": "public-read" });
    expect(verifying(extra)).toThrow(
      s3Error("AccessDenied", "There were headers present in the request which were not signed", {
        HeadersNotSigned: "x-amz-acl",
      }),
    );
  });

  it.each([
    [
      "a missing Signature",
      (auth: string) => auth.replace(/, Signature=.*/, ""),
      "The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.",
    ],
    [
      "another service in the scope",
      (auth: string) => auth.replace("/s3/", "/sqs/"),
      'The authorization header is malformed; incorrect service "sqs". This endpoint belongs to "s3".',
    ],
    [
      "a credential without a scope",
      (auth: string) => auth.replace(/Credential=[^,]+/, `Credential=${ACCESS_KEY}`),
      'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    ],
    [
      "a scope dated another day",
      (auth: string) => auth.replace(/\/\d{8}\//, "/20200101/"),
      expect.stringMatching(/^The authorization header is malformed; Invalid credential date/),
    ],
  ])("refuses an Authorization header with %s", async (_, change, message) => {
    const captured = await put();
    const changed = withHeaders(captured, {
      authorization: change(String(captured.req.headers.authorization)),
    });
    expect(verifying(changed)).toThrow(s3Error("AuthorizationHeaderMalformed", message));
    expect(verifying(changed)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it("refuses other authorization schemes", async () => {
    const captured = await put();
    const bearer = withHeaders(captured, { authorization: "Bearer abc" });
    expect(verifying(bearer)).toThrow(
      s3Error("InvalidArgument", "Unsupported Authorization Type", {
        ArgumentName: "Authorization",
      }),
    );
    const v2 = withHeaders(captured, { authorization: `AWS ${ACCESS_KEY}:c2lnbmF0dXJl` });
    expect(verifying(v2)).toThrow(
      s3Error(
        "InvalidRequest",
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
      ),
    );
  });

  it("refuses a request without a valid x-amz-date", async () => {
    const captured = await put();
    const undated = withHeaders(captured, { "x-amz-date": "yesterday" });
    expect(verifying(undated)).toThrow(
      s3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header"),
    );
  });
});
