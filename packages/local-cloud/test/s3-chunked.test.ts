import { createHash, createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough, Readable } from "node:stream";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { authenticate } from "../src/s3/auth.ts";
import { type ChunkedMode, createChecksum, decodeAwsChunked } from "../src/s3/chunked.ts";
import type { IncomingS3Request, PayloadMode } from "../src/s3/ports.ts";

// The worked examples of AWS's "Transferring Payload in Multiple Chunks" and
// "Signature calculations for trailing headers" pages: 65,536 + 1,024 bytes of "a".
const DOC_KEY = "AKIAIOSFODNN7EXAMPLE";
const DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const DOC_TIME = new Date("2013-05-24T00:00:00Z");
const DOC_SCOPE = "20130524/us-east-1/s3/aws4_request";
const DOC_DATA = Buffer.alloc(66_560, "a");
const DOC_SIGNED = {
  payload: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
  signedHeaders:
    "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
  seed: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
  chunks: [
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
  ],
  trailer: "",
};
const DOC_TRAILER = {
  payload: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
  signedHeaders:
    "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer",
  seed: "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
  chunks: [
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
  ],
  trailer:
    "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n",
};
type DocExample = typeof DOC_SIGNED;

function docBody(example: DocExample, chunkSignatures = example.chunks): Buffer {
  const [first = "", second = "", last = ""] = chunkSignatures;
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${first}\r\n`),
    DOC_DATA.subarray(0, 65_536),
    Buffer.from(`\r\n400;chunk-signature=${second}\r\n`),
    DOC_DATA.subarray(65_536),
    Buffer.from(`\r\n0;chunk-signature=${last}\r\n${example.trailer}\r\n`),
  ]);
}

/** The documented request, authenticated: what a route hands to the decoder. */
function docMode(example: DocExample): ChunkedMode {
  const headers: IncomingHttpHeaders = {
    "content-encoding": "aws-chunked",
    host: "s3.amazonaws.com",
    "x-amz-content-sha256": example.payload,
    "x-amz-date": "20130524T000000Z",
    "x-amz-decoded-content-length": "66560",
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    authorization: `AWS4-HMAC-SHA256 Credential=${DOC_KEY}/${DOC_SCOPE},SignedHeaders=${example.signedHeaders},Signature=${example.seed}`,
  };
  if (example.trailer) headers["x-amz-trailer"] = "x-amz-checksum-crc32c";
  else headers["content-length"] = "66824";
  const req = { method: "PUT", url: "/examplebucket/chunkObject.txt", headers };
  const auth = authenticate(req, (id) => (id === DOC_KEY ? DOC_SECRET : undefined), DOC_TIME);
  return chunked(auth.payload);
}

function chunked(payload: PayloadMode): ChunkedMode {
  if (payload.kind !== "aws-chunked") throw new Error(`expected aws-chunked, got ${payload.kind}`);
  return payload;
}

/** The body as a stream of awkwardly sized reads, so every boundary lands mid-token somewhere. */
function oddReads(body: Buffer, sizes = [1, 7, 2, 13, 4093, 3, 65_537]): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    pieces.push(body.subarray(at, at + size));
    at += size;
  }
  return Readable.from(pieces);
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

const decode = (mode: ChunkedMode, body: Buffer, trailer?: string) =>
  collect(decodeAwsChunked(mode, oddReads(body), trailer ? { trailer } : {}));

/** Chunk signing as the streaming-SigV4 page describes it (checked against its examples below). */
function signChunks(mode: ChunkedMode, chunks: Buffer[]): string[] {
  const key = mode.signingKey ?? new Uint8Array();
  let previous = mode.seedSignature ?? "";
  return chunks.map((chunk) => {
    const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");
    const toSign = ["AWS4-HMAC-SHA256-PAYLOAD", mode.amzDate, mode.scope, previous]
      .concat([sha(Buffer.alloc(0)), sha(chunk)])
      .join("\n");
    previous = createHmac("sha256", key).update(toSign).digest("hex");
    return previous;
  });
}

function signedBody(mode: ChunkedMode, chunks: Buffer[]): Buffer {
  const signatures = signChunks(mode, [...chunks, Buffer.alloc(0)]);
  const framed = [...chunks, Buffer.alloc(0)].map((chunk, i) =>
    Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signatures[i]}\r\n`),
      chunk,
      Buffer.from("\r\n"),
    ]),
  );
  return Buffer.concat(framed);
}

/** What the real SDK puts on the wire for a streamed PutObject with flexible checksums on. */
async function sdkStreamedPut(data: Buffer): Promise<{ req: IncomingS3Request; body: Buffer }> {
  let captured: { req: IncomingS3Request; body: Buffer } | undefined;
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers };
      captured = { req: request, body: Buffer.concat(parts) };
      res.writeHead(200, { "content-length": "0" }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const s3 = new S3Client({
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: "AKIALOCAL", secretAccessKey: "local-secret" },
    requestChecksumCalculation: "WHEN_SUPPORTED",
    maxAttempts: 1,
  });
  const body = Readable.from([data.subarray(0, 30_001), data.subarray(30_001)]);
  await s3.send(
    new PutObjectCommand({
      Bucket: "uploads",
      Key: "big.bin",
      Body: body,
      ContentLength: data.length,
    }),
  );
  s3.destroy();
  server.closeAllConnections();
  server.close();
  if (!captured) throw new Error("the SDK sent nothing");
  return captured;
}

describe("aws-chunked bodies with an unsigned trailer (what the SDK and CLI send)", () => {
  it("decodes the SDK's streamed PutObject read in odd-sized pieces and checks its CRC32", async () => {
    const data = randomBytes(100_000);
    const { req, body } = await sdkStreamedPut(data);
    const auth = authenticate(req, () => "local-secret", new Date());
    expect(auth.payload).toMatchObject({ kind: "aws-chunked", signed: false, trailer: true });
    expect(auth.payload).toMatchObject({ decodedLength: 100_000 });
    const trailer = String(req.headers["x-amz-trailer"]);
    expect(await decode(chunked(auth.payload), body, trailer)).toEqual(data);
    expect(await decode(chunked(auth.payload), body)).toEqual(data);
  });

  const mode: ChunkedMode = { kind: "aws-chunked", signed: false, trailer: true, decodedLength: 3 };
  const crcOfAbc = "NSRBwg==";

  it("refuses a trailer whose CRC32 does not match the data", async () => {
    const body = Buffer.from("3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n");
    await expect(decode(mode, body)).rejects.toMatchObject({
      code: "BadDigest",
      status: 400,
      message: "The CRC32 you specified did not match the calculated checksum.",
    });
  });

  it("refuses a trailer whose SHA256 does not match the data", async () => {
    const wrong = createHash("sha256").update("abd").digest("base64");
    const body = Buffer.from(`3\r\nabc\r\n0\r\nx-amz-checksum-sha256:${wrong}\r\n\r\n`);
    await expect(decode(mode, body)).rejects.toMatchObject({
      code: "BadDigest",
      message: "The SHA256 you specified did not match the calculated checksum.",
    });
  });

  it("accepts a body whose trailer matches, even without the closing blank line", async () => {
    const body = Buffer.from(`3\r\nabc\r\n0\r\nx-amz-checksum-crc32:${crcOfAbc}\r\n`);
    expect((await decode(mode, body)).toString()).toBe("abc");
  });

  it("refuses a body cut off in the middle of a chunk", async () => {
    const body = Buffer.from("3\r\nab");
    await expect(decode(mode, body)).rejects.toMatchObject({
      code: "IncompleteBody",
      message:
        "You did not provide the number of bytes specified by the Content-Length HTTP header",
    });
  });

  it("refuses chunks that add up to less than x-amz-decoded-content-length", async () => {
    const body = Buffer.from("2\r\nab\r\n0\r\nx-amz-checksum-crc32:nsDiaA==\r\n\r\n");
    await expect(decode(mode, body)).rejects.toMatchObject({ code: "IncompleteBody" });
  });

  it("refuses chunks that add up to more than x-amz-decoded-content-length", async () => {
    const body = Buffer.from("4\r\nabcd\r\n0\r\n\r\n");
    await expect(decode(mode, body)).rejects.toMatchObject({ code: "IncompleteBody" });
  });

  it("refuses a chunk size that is not hexadecimal", async () => {
    await expect(decode(mode, Buffer.from("zz\r\nabc\r\n"))).rejects.toMatchObject({
      code: "InvalidRequest",
    });
  });

  it("refuses chunk data not followed by CRLF", async () => {
    await expect(decode(mode, Buffer.from("3\r\nabcX\r\n0\r\n\r\n"))).rejects.toMatchObject({
      code: "InvalidRequest",
    });
  });

  it("refuses bytes after the final chunk", async () => {
    const body = Buffer.from(`3\r\nabc\r\n0\r\nx-amz-checksum-crc32:${crcOfAbc}\r\n\r\nmore`);
    await expect(decode(mode, body)).rejects.toMatchObject({ code: "InvalidRequest" });
  });

  it("refuses a body without the trailer x-amz-trailer announced", async () => {
    const body = Buffer.from("3\r\nabc\r\n0\r\n\r\n");
    await expect(decode(mode, body, "x-amz-checksum-crc32")).rejects.toMatchObject({
      code: "MalformedTrailerError",
    });
  });

  it("refuses a trailer that is not a checksum", async () => {
    const body = Buffer.from("3\r\nabc\r\n0\r\nx-amz-meta-late:1\r\n\r\n");
    await expect(decode(mode, body)).rejects.toMatchObject({ code: "MalformedTrailerError" });
  });

  it("passes data on before the body has ended (it streams, it does not buffer)", async () => {
    const source = new PassThrough();
    const decoded = decodeAwsChunked({ ...mode, decodedLength: 6 }, source);
    const first = new Promise<Buffer>((resolve) => decoded.once("data", resolve));
    source.write("6\r\nabc");
    expect((await first).toString()).toBe("abc");
    decoded.resume();
    const ended = new Promise((resolve) => decoded.on("end", resolve));
    source.end("def\r\n0\r\n\r\n");
    await ended;
  });
});

describe("aws-chunked bodies with signed chunks", () => {
  it("derives AWS's documented seed signature and decodes the documented body", async () => {
    const mode = docMode(DOC_SIGNED);
    expect(mode).toMatchObject({ signed: true, trailer: false, seedSignature: DOC_SIGNED.seed });
    expect(await decode(mode, docBody(DOC_SIGNED))).toEqual(DOC_DATA);
  });

  it("decodes AWS's documented body with a signed CRC32C trailer", async () => {
    const mode = docMode(DOC_TRAILER);
    expect(mode).toMatchObject({ signed: true, trailer: true });
    expect(await decode(mode, docBody(DOC_TRAILER), "x-amz-checksum-crc32c")).toEqual(DOC_DATA);
  });

  it("uses a chunk signer that reproduces AWS's documented chunk signatures", () => {
    const chunks = [DOC_DATA.subarray(0, 65_536), DOC_DATA.subarray(65_536), Buffer.alloc(0)];
    expect(signChunks(docMode(DOC_SIGNED), chunks)).toEqual(DOC_SIGNED.chunks);
  });

  it("refuses a body whose data was changed after signing", async () => {
    const body = docBody(DOC_SIGNED);
    body[40_000] = "b".charCodeAt(0);
    await expect(decode(docMode(DOC_SIGNED), body)).rejects.toMatchObject({
      code: "SignatureDoesNotMatch",
      status: 403,
      message:
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    });
  });

  it("refuses chunk signatures that are not chained from the seed", async () => {
    const [first = "", second = "", last = ""] = DOC_SIGNED.chunks;
    const swapped = docBody(DOC_SIGNED, [second, first, last]);
    await expect(decode(docMode(DOC_SIGNED), swapped)).rejects.toMatchObject({
      code: "SignatureDoesNotMatch",
    });
  });

  it("refuses a signed chunk without its chunk-signature", async () => {
    const body = Buffer.concat([Buffer.from("10000\r\n"), DOC_DATA.subarray(0, 65_536)]);
    await expect(decode(docMode(DOC_SIGNED), body)).rejects.toMatchObject({
      code: "SignatureDoesNotMatch",
    });
  });

  it("refuses a changed trailer checksum even when the data is intact", async () => {
    const example = {
      ...DOC_TRAILER,
      trailer: DOC_TRAILER.trailer.replace("sOO8/Q==", "AAAAAA=="),
    };
    await expect(decode(docMode(DOC_TRAILER), docBody(example))).rejects.toMatchObject({
      code: "SignatureDoesNotMatch",
    });
  });

  it("refuses a body cut off before the final chunk", async () => {
    const body = docBody(DOC_SIGNED);
    await expect(decode(docMode(DOC_SIGNED), body.subarray(0, 66_000))).rejects.toMatchObject({
      code: "IncompleteBody",
    });
  });

  it("refuses a signed chunk under 8 KiB that is not the last one", async () => {
    const mode = { ...docMode(DOC_SIGNED), decodedLength: 9_000 };
    const body = signedBody(mode, [Buffer.alloc(1_000, "a"), Buffer.alloc(8_000, "a")]);
    await expect(decode(mode, body)).rejects.toMatchObject({
      code: "InvalidChunkSizeError",
      message: "Only the last chunk is allowed to have a size less than 8192 bytes",
      details: { Chunk: 1, BadChunkSize: 1_000 },
    });
  });

  it("accepts chunks of any size as long as only the last one is short", async () => {
    const mode = { ...docMode(DOC_SIGNED), decodedLength: 9_000 };
    const data = [Buffer.alloc(8_192, "x"), Buffer.alloc(808, "y")];
    expect(await decode(mode, signedBody(mode, data))).toEqual(Buffer.concat(data));
  });
});

describe("checksums S3 accepts", () => {
  it.each([
    ["x-amz-checksum-crc32", "cbf43926"],
    ["x-amz-checksum-crc32c", "e3069283"],
    ["x-amz-checksum-crc64nvme", "ae8b14860a799888"],
    ["x-amz-checksum-sha1", "f7c3bc1d808e04732adf679965ccc34ca7ae3441"],
    ["x-amz-checksum-sha256", "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"],
  ])("%s of '123456789' read in two parts is the standard check value", (name, check) => {
    const checksum = createChecksum(name);
    checksum?.update(Buffer.from("1234"));
    checksum?.update(Buffer.from("56789"));
    expect(checksum?.digest().toString("hex")).toBe(check);
  });
});
