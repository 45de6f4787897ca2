import { createHash } from "node:crypto";
import { pipeline, type Readable, Transform, type TransformCallback } from "node:stream";
import { crc32 } from "node:zlib";
import { S3Error } from "./errors.ts";
import type { PayloadMode } from "./ports.ts";
import { EMPTY_SHA256, hmac, SIGNATURE_MISMATCH, sameSignature, sha256Hex } from "./sigv4.ts";

/**
 * Streaming decoder of aws-chunked bodies: `<hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n`
 * … `0[;chunk-signature=<sig>]\r\n[trailers]\r\n`. Data is passed on as it arrives (memory stays
 * bounded by one read), so a consumer must discard what it got when the stream errors: a bad
 * chunk signature, checksum or length is only known once that chunk or the body has ended.
 */

export type ChunkedMode = Extract<PayloadMode, { kind: "aws-chunked" }>;

export interface ChunkedOptions {
  /** The x-amz-trailer header; without it every supported checksum is computed, in case. */
  trailer?: string;
}

export function decodeAwsChunked(
  mode: ChunkedMode,
  source: Readable,
  options: ChunkedOptions = {},
): Readable {
  const decoder = new AwsChunkedDecoder(mode, options.trailer);
  // The callback only keeps pipeline from throwing: errors surface on the decoder itself.
  return pipeline(source, decoder, () => {});
}

/** A running checksum of the kind S3 accepts in x-amz-checksum-* headers and trailers. */
export interface Checksum {
  update(data: Uint8Array): void;
  /** Big-endian digest; S3 sends and expects it base64-encoded. */
  digest(): Buffer;
}

const LABELS = new Map([
  ["x-amz-checksum-crc32", "CRC32"],
  ["x-amz-checksum-crc32c", "CRC32C"],
  ["x-amz-checksum-crc64nvme", "CRC64NVME"],
  ["x-amz-checksum-sha1", "SHA1"],
  ["x-amz-checksum-sha256", "SHA256"],
]);

/** The checksum named by an x-amz-checksum-* header; undefined for any other name. */
export function createChecksum(headerName: string): Checksum | undefined {
  switch (headerName) {
    case "x-amz-checksum-crc32":
      return crcOf((data, crc) => crc32(data, crc), 0, 4);
    case "x-amz-checksum-crc32c":
      return tableCrc32(CRC32C_TABLE);
    case "x-amz-checksum-crc64nvme":
      return crc64nvme();
    case "x-amz-checksum-sha1":
    case "x-amz-checksum-sha256": {
      const hash = createHash(headerName.slice("x-amz-checksum-".length));
      return { update: (data) => hash.update(data), digest: () => hash.digest() };
    }
    default:
      return undefined;
  }
}

/** S3's refusal when the body does not have the checksum the client announced. */
export function badDigest(headerName: string): S3Error {
  const label = LABELS.get(headerName) ?? headerName;
  return new S3Error(
    "BadDigest",
    `The ${label} you specified did not match the calculated checksum.`,
    400,
  );
}

const framing = (detail: string) =>
  new S3Error("InvalidRequest", `The aws-chunked body is malformed: ${detail}.`, 400);
const incompleteBody = () =>
  new S3Error(
    "IncompleteBody",
    "You did not provide the number of bytes specified by the Content-Length HTTP header",
    400,
  );
const malformedTrailer = () =>
  new S3Error(
    "MalformedTrailerError",
    "The request contained trailing data that was not well-formed or did not conform to our published schema.",
    400,
  );
const mismatch = (stringToSign: string, provided: string) =>
  new S3Error("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403, {
    StringToSign: stringToSign,
    SignatureProvided: provided,
  });

const MAX_LINE = 4096;
const MAX_TRAILERS = 8;
/** S3's floor for every signed chunk but the last one with data. */
const MIN_SIGNED_CHUNK = 8192;

interface Signing {
  key: Uint8Array;
  scope: string;
  amzDate: string;
  previous: string;
}

class AwsChunkedDecoder extends Transform {
  private buffer: Buffer = Buffer.alloc(0);
  private state: "size" | "data" | "data-end" | "trailer" | "done" = "size";
  private chunk = { number: 0, size: 0, remaining: 0, signature: "", hash: createHash("sha256") };
  /** The first signed chunk with data shorter than the floor, which must be the last one. */
  private short: { number: number; size: number } | undefined;
  private decoded = 0;
  private readonly signing: Signing | undefined;
  private readonly checksums = new Map<string, Checksum>();
  private readonly trailers: [string, string][] = [];
  private trailerSignature: string | undefined;

  constructor(
    private readonly mode: ChunkedMode,
    private readonly declaredTrailer: string | undefined,
  ) {
    super();
    if (mode.signed) {
      const { signingKey, scope, amzDate, seedSignature } = mode;
      if (!signingKey || !scope || !amzDate || !seedSignature) {
        throw new Error("signed aws-chunked needs seedSignature, signingKey, scope and amzDate");
      }
      this.signing = { key: signingKey, scope, amzDate, previous: seedSignature };
    }
    if (!mode.trailer) return;
    for (const name of declaredTrailer === undefined ? LABELS.keys() : [declaredTrailer]) {
      const checksum = createChecksum(name.trim().toLowerCase());
      if (checksum) this.checksums.set(name.trim().toLowerCase(), checksum);
    }
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    try {
      this.consume();
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      // Some clients end the body without the blank line after the trailers.
      if (this.state === "trailer" && this.buffer.length === 0 && this.trailers.length > 0) {
        this.endTrailers();
      }
      if (this.state !== "done") throw incompleteBody();
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  private consume(): void {
    while (this.buffer.length > 0) {
      if (this.state === "done") throw framing("data follows the final chunk");
      if (this.state === "data") {
        this.passData();
      } else if (this.state === "data-end") {
        if (this.buffer.length < 2) return;
        this.endChunk();
      } else {
        const line = this.takeLine();
        if (line === undefined) return;
        if (this.state === "size") this.startChunk(line);
        else this.trailerLine(line);
      }
    }
  }

  private takeLine(): string | undefined {
    const end = this.buffer.indexOf("\r\n");
    if (end < 0) {
      if (this.buffer.length > MAX_LINE) throw framing("a chunk header or trailer is too long");
      return undefined;
    }
    const line = this.buffer.subarray(0, end).toString("latin1");
    this.buffer = this.buffer.subarray(end + 2);
    return line;
  }

  private startChunk(line: string): void {
    const [sizeText = "", ...extensions] = line.split(";");
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw framing(`bad chunk size "${sizeText}"`);
    const size = Number.parseInt(sizeText, 16);
    const signature = extensions
      .map((ext) => ext.split("="))
      .find(([name]) => name?.trim() === "chunk-signature")?.[1]
      ?.trim();
    if (this.signing) {
      if (!signature) throw mismatch("", "");
      if (size > 0 && this.short) {
        throw new S3Error(
          "InvalidChunkSizeError",
          "Only the last chunk is allowed to have a size less than 8192 bytes",
          403,
          { Chunk: this.short.number, BadChunkSize: this.short.size },
        );
      }
      if (size > 0 && size < MIN_SIGNED_CHUNK) this.short = { number: this.chunk.number + 1, size };
    }
    this.decoded += size;
    if (this.mode.decodedLength !== undefined && this.decoded > this.mode.decodedLength) {
      throw incompleteBody();
    }
    const hash = createHash("sha256");
    this.chunk = {
      number: this.chunk.number + 1,
      size,
      remaining: size,
      signature: signature ?? "",
      hash,
    };
    if (size > 0) this.state = "data";
    else if (!this.mode.trailer) this.state = "data-end";
    else {
      this.verifyChunk();
      this.state = "trailer";
    }
  }

  private passData(): void {
    const part = this.buffer.subarray(0, this.chunk.remaining);
    this.buffer = this.buffer.subarray(part.length);
    this.chunk.remaining -= part.length;
    if (this.signing) this.chunk.hash.update(part);
    for (const checksum of this.checksums.values()) checksum.update(part);
    this.push(part);
    if (this.chunk.remaining === 0) this.state = "data-end";
  }

  private endChunk(): void {
    if (this.buffer[0] !== 0x0d || this.buffer[1] !== 0x0a) {
      throw framing("chunk data is not followed by CRLF");
    }
    this.buffer = this.buffer.subarray(2);
    this.verifyChunk();
    if (this.chunk.size > 0) {
      this.state = "size";
    } else {
      this.checkLength();
      this.state = "done";
    }
  }

  private verifyChunk(): void {
    if (!this.signing) return;
    const { amzDate, scope, previous } = this.signing;
    const chunkHash = this.chunk.hash.digest("hex");
    const toSign = ["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, previous, EMPTY_SHA256, chunkHash];
    this.signing.previous = this.checkSignature(toSign.join("\n"), this.chunk.signature);
  }

  private checkSignature(toSign: string, provided: string): string {
    const expected = hmac(this.signing?.key ?? "", toSign).toString("hex");
    if (!sameSignature(expected, provided)) throw mismatch(toSign, provided);
    return expected;
  }

  private trailerLine(line: string): void {
    if (line === "") {
      this.endTrailers();
      return;
    }
    const colon = line.indexOf(":");
    if (colon <= 0 || this.trailers.length >= MAX_TRAILERS) throw malformedTrailer();
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "x-amz-trailer-signature") this.trailerSignature = value;
    else if (LABELS.has(name) && !this.trailers.some(([seen]) => seen === name)) {
      this.trailers.push([name, value]);
    } else throw malformedTrailer();
  }

  private endTrailers(): void {
    if (this.signing) {
      const { amzDate, scope, previous } = this.signing;
      const canonical = this.trailers.map(([name, value]) => `${name}:${value}\n`).join("");
      const toSign = ["AWS4-HMAC-SHA256-TRAILER", amzDate, scope, previous, sha256Hex(canonical)];
      this.checkSignature(toSign.join("\n"), this.trailerSignature ?? "");
    }
    this.checkLength();
    const declared = this.declaredTrailer?.trim().toLowerCase();
    if (declared !== undefined && !this.trailers.some(([name]) => name === declared)) {
      throw malformedTrailer();
    }
    for (const [name, value] of this.trailers) {
      const checksum = this.checksums.get(name);
      if (!checksum) throw malformedTrailer();
      const digest = checksum.digest();
      if (Buffer.from(value, "base64").length !== digest.length) {
        throw new S3Error("InvalidRequest", `Value for ${name} trailing header is invalid.`, 400);
      }
      if (value !== digest.toString("base64")) throw badDigest(name);
    }
    this.state = "done";
  }

  private checkLength(): void {
    if (this.mode.decodedLength !== undefined && this.decoded !== this.mode.decodedLength) {
      throw incompleteBody();
    }
  }
}

// Reflected CRC tables, one byte at a time: plenty for a local emulator.
const CRC32C_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});

function crcOf(step: (data: Uint8Array, crc: number) => number, init: number, size: number) {
  let crc = init;
  return {
    update: (data: Uint8Array) => {
      crc = step(data, crc);
    },
    digest: () => {
      const out = Buffer.alloc(size);
      out.writeUInt32BE(crc >>> 0);
      return out;
    },
  };
}

function tableCrc32(table: Uint32Array): Checksum {
  const step = (data: Uint8Array, crc: number) => {
    let c = ~crc >>> 0;
    for (let i = 0; i < data.length; i++) c = (table[(c ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
    return ~c >>> 0;
  };
  return crcOf(step, 0, 4);
}

// CRC-64/NVME (poly 0x9a6c9329ac4bc9b5, reflected) split into 32-bit halves to avoid BigInt per byte.
const [CRC64_LO, CRC64_HI] = (() => {
  const lo = new Int32Array(256);
  const hi = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = BigInt(n);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ 0x9a6c9329ac4bc9b5n : c >> 1n;
    lo[n] = Number(BigInt.asIntN(32, c));
    hi[n] = Number(BigInt.asIntN(32, c >> 32n));
  }
  return [lo, hi];
})();

function crc64nvme(): Checksum {
  let lo = -1;
  let hi = -1;
  return {
    update: (data) => {
      for (let at = 0; at < data.length; at++) {
        const i = (lo ^ (data[at] ?? 0)) & 0xff;
        lo = ((lo >>> 8) | (hi << 24)) ^ (CRC64_LO[i] ?? 0);
        hi = (hi >>> 8) ^ (CRC64_HI[i] ?? 0);
      }
    },
    digest: () => {
      const out = Buffer.alloc(8);
      out.writeUInt32BE(~hi >>> 0, 0);
      out.writeUInt32BE(~lo >>> 0, 4);
      return out;
    },
  };
}
