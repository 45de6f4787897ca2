import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { describe, expect, it } from "vitest";
import { authenticate } from "../src/s3/auth.ts";
import type { IncomingS3Request, SecretLookup } from "../src/s3/ports.ts";
import { s3Error } from "./support/s3-error.ts";

const ACCESS_KEY = "AKIALOCALPRESIGN0001";
const SECRET = "local+presign/secret";
const secrets: SecretLookup = (id) => (id === ACCESS_KEY ? SECRET : undefined);
const SIGNED_AT = new Date("2026-03-01T12:00:00Z");
const at = (seconds: number) => new Date(SIGNED_AT.getTime() + seconds * 1000);
const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your key and signing method.";

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

function client(credentials: Credentials = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET }) {
  return new S3Client({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:4566",
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

type Presignable = PutObjectCommand | GetObjectCommand;

/** A presigned URL from the real SDK, as the request a browser would then make with it. */
async function presigned(
  command: Presignable,
  headers: Record<string, string> = {},
  options: { s3?: S3Client; signableHeaders?: Set<string> } = {},
): Promise<IncomingS3Request> {
  const url = await getSignedUrl(options.s3 ?? client(), command, {
    expiresIn: 300,
    signingDate: SIGNED_AT,
    ...(options.signableHeaders ? { signableHeaders: options.signableHeaders } : {}),
  });
  const method = command instanceof PutObjectCommand ? "PUT" : "GET";
  const target = url.replace(/^http:\/\/[^/]+/, "");
  return { method, url: target, headers: { host: "127.0.0.1:4566", ...headers } };
}

const pinnedPut = (key = "uploads/cat.png") =>
  presigned(
    new PutObjectCommand({
      Bucket: "media",
      Key: key,
      ContentType: "image/png",
      ContentLength: 12,
    }),
    { "content-type": "image/png", "content-length": "12" },
    { signableHeaders: new Set(["content-type"]) },
  );

const withUrl = (req: IncomingS3Request, url: string): IncomingS3Request => ({ ...req, url });
const verifying =
  (req: IncomingS3Request, now = at(1)) =>
  () =>
    authenticate(req, secrets, now);

describe("presigned URLs signed by the AWS SDK", () => {
  it("accepts a presigned PUT with its pinned Content-Type and Content-Length", async () => {
    const auth = authenticate(await pinnedPut(), secrets, at(10));
    expect(auth).toEqual({
      via: "presigned",
      accessKeyId: ACCESS_KEY,
      region: "us-east-1",
      payload: { kind: "unsigned" },
    });
  });

  it("accepts a presigned GET until the last second of its lifetime", async () => {
    const req = await presigned(new GetObjectCommand({ Bucket: "media", Key: "a.txt" }));
    expect(authenticate(req, secrets, at(300)).via).toBe("presigned");
  });

  it.each([
    "with space/and space.txt",
    "ünïcödé/日本語/😀.png",
    "plus+sign+key",
    "tilde~and~dots..txt",
    "percent%20literal%zz.txt",
    "sub!dir/'quoted'(paren)*star=eq&amp;semi;colon:at@dollar$comma,.txt",
    "//leading/and//double//slashes/",
  ])("accepts the key %j, however it has to be URI-encoded", async (key) => {
    const put = await pinnedPut(key);
    expect(authenticate(put, secrets, at(1)).accessKeyId).toBe(ACCESS_KEY);
    const get = await presigned(new GetObjectCommand({ Bucket: "media", Key: key }));
    expect(authenticate(get, secrets, at(1)).accessKeyId).toBe(ACCESS_KEY);
  });

  it("accepts a GET whose query carries response overrides with awkward characters", async () => {
    const command = new GetObjectCommand({
      Bucket: "media",
      Key: "report.pdf",
      ResponseContentDisposition: `attachment; filename="Q1 report (final).pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`,
      ResponseContentType: "application/pdf",
      ResponseCacheControl: "no-cache, max-age=0",
    });
    expect(authenticate(await presigned(command), secrets, at(1)).via).toBe("presigned");
  });

  it("accepts a URL signed with temporary credentials (X-Amz-Security-Token)", async () => {
    const s3 = client({
      accessKeyId: ACCESS_KEY,
      secretAccessKey: SECRET,
      sessionToken: "tok/en+=",
    });
    const req = await presigned(new GetObjectCommand({ Bucket: "media", Key: "k" }), {}, { s3 });
    expect(req.url).toContain("X-Amz-Security-Token=");
    expect(authenticate(req, secrets, at(1)).via).toBe("presigned");
  });

  it("refuses a tampered signature, saying what it signed", async () => {
    const req = await pinnedPut();
    const tampered = withUrl(req, req.url.replace(/X-Amz-Signature=[0-9a-f]/, "X-Amz-Signature=x"));
    expect(verifying(tampered)).toThrow(
      s3Error("SignatureDoesNotMatch", MISMATCH, {
        AWSAccessKeyId: ACCESS_KEY,
        CanonicalRequest: expect.stringContaining("PUT\n/media/uploads/cat.png\n"),
        StringToSign: expect.stringMatching(/^AWS4-HMAC-SHA256\n20260301T120000Z\n/),
        SignatureProvided: expect.stringMatching(/^x/),
      }),
    );
    expect(verifying(tampered)).toThrow(expect.objectContaining({ status: 403 }));
  });

  it.each([
    ["another key", "/media/uploads/cat.png", "/media/uploads/dog.png"],
    ["another bucket", "/media/", "/private/"],
    ["a key that differs only in case", "/media/uploads/cat.png", "/media/uploads/Cat.png"],
    ["an added query parameter", "?X-Amz-Algorithm", "?versionId=1&X-Amz-Algorithm"],
  ])("refuses the URL pointed at %s", async (_, from, to) => {
    const req = await pinnedPut();
    const moved = withUrl(req, req.url.replace(from, to));
    expect(verifying(moved)).toThrow(s3Error("SignatureDoesNotMatch", MISMATCH));
  });

  it("reads a + in the path as a plus, not as a space", async () => {
    const req = await pinnedPut("with space.png");
    const plus = withUrl(req, req.url.replace("with%20space", "with+space"));
    expect(verifying(plus)).toThrow(s3Error("SignatureDoesNotMatch", MISMATCH));
  });

  it("refuses an upload with a Content-Type other than the signed one", async () => {
    const req = await pinnedPut();
    const html = { ...req, headers: { ...req.headers, "content-type": "text/html" } };
    expect(verifying(html)).toThrow(s3Error("SignatureDoesNotMatch", MISMATCH));
  });

  it("refuses an upload with a Content-Length other than the signed one", async () => {
    const req = await pinnedPut();
    const bigger = { ...req, headers: { ...req.headers, "content-length": "13000000" } };
    expect(verifying(bigger)).toThrow(s3Error("SignatureDoesNotMatch", MISMATCH));
  });

  it("refuses a URL signed with the wrong secret", async () => {
    const s3 = client({ accessKeyId: ACCESS_KEY, secretAccessKey: "not-the-secret" });
    const req = await presigned(new GetObjectCommand({ Bucket: "media", Key: "k" }), {}, { s3 });
    expect(verifying(req)).toThrow(s3Error("SignatureDoesNotMatch", MISMATCH));
  });

  it("refuses an access key it does not know", async () => {
    const s3 = client({ accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: SECRET });
    const req = await presigned(new GetObjectCommand({ Bucket: "media", Key: "k" }), {}, { s3 });
    expect(verifying(req)).toThrow(
      s3Error(
        "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records.",
        { AWSAccessKeyId: "AKIAUNKNOWN000000000" },
      ),
    );
  });

  it("refuses an expired URL with S3's expiry details", async () => {
    const req = await pinnedPut();
    expect(verifying(req, at(301))).toThrow(
      s3Error("AccessDenied", "Request has expired", {
        "X-Amz-Expires": "300",
        Expires: "2026-03-01T12:05:00Z",
        ServerTime: "2026-03-01T12:05:01Z",
      }),
    );
    expect(verifying(req, at(301))).toThrow(expect.objectContaining({ status: 403 }));
  });

  it("refuses a URL dated more than 15 minutes ahead of the clock", async () => {
    const req = await pinnedPut();
    expect(verifying(req, at(-16 * 60))).toThrow(
      s3Error("AccessDenied", "Request is not valid yet"),
    );
  });

  it("refuses an X-Amz-Expires longer than a week", async () => {
    const req = await pinnedPut();
    const long = withUrl(req, req.url.replace("X-Amz-Expires=300", "X-Amz-Expires=604801"));
    expect(verifying(long)).toThrow(
      s3Error(
        "AuthorizationQueryParametersError",
        "X-Amz-Expires must be less than a week (in seconds) that is 604800",
      ),
    );
    expect(verifying(long)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it.each([
    ["X-Amz-Expires=300", "X-Amz-Expires=soon", "X-Amz-Expires should be a number"],
    ["X-Amz-Expires=300", "X-Amz-Expires=-5", "X-Amz-Expires must be non-negative"],
    [
      "X-Amz-Algorithm=AWS4-HMAC-SHA256",
      "X-Amz-Algorithm=AWS4-HMAC-SHA1",
      'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
    ],
    [
      /&X-Amz-Signature=[0-9a-f]+/,
      "",
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    ],
    [
      "%2Fs3%2F",
      "%2Fec2%2F",
      'Error parsing the X-Amz-Credential parameter; incorrect service "ec2". This endpoint belongs to "s3".',
    ],
    [
      "%2Faws4_request",
      "",
      'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    ],
  ])("refuses malformed query parameters (%s -> %j)", async (from, to, message) => {
    const req = await pinnedPut();
    const malformed = withUrl(req, req.url.replace(from, to));
    expect(verifying(malformed)).toThrow(s3Error("AuthorizationQueryParametersError", message));
  });

  it("refuses an x-amz-* header the URL did not sign", async () => {
    const req = await pinnedPut();
    const extra = { ...req, headers: { ...req.headers, "x-amz-meta-owner": "mallory" } };
    expect(verifying(extra)).toThrow(
      s3Error("AccessDenied", "There were headers present in the request which were not signed", {
        HeadersNotSigned: "x-amz-meta-owner",
      }),
    );
  });

  it("refuses a request that carries both a presigned query and an Authorization header", async () => {
    const req = await pinnedPut();
    const both = { ...req, headers: { ...req.headers, authorization: "AWS4-HMAC-SHA256 x" } };
    expect(verifying(both)).toThrow(s3Error("InvalidArgument"));
  });

  it("refuses an anonymous request to the private bucket", () => {
    const anonymous = { method: "GET", url: "/media/a.txt", headers: { host: "127.0.0.1:4566" } };
    expect(verifying(anonymous)).toThrow(s3Error("AccessDenied", "Access Denied"));
    expect(verifying(anonymous)).toThrow(expect.objectContaining({ status: 403 }));
  });

  it("refuses a Signature Version 2 query string", () => {
    const v2 = {
      method: "GET",
      url: `/media/a.txt?AWSAccessKeyId=${ACCESS_KEY}&Expires=1900000000&Signature=abc%3D`,
      headers: { host: "127.0.0.1:4566" },
    };
    expect(verifying(v2)).toThrow(
      s3Error(
        "InvalidRequest",
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
      ),
    );
  });
});
