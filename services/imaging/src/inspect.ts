import { open } from "node:fs/promises";
import { fileTypeFromFile } from "file-type";
import sharp from "sharp";

/**
 * The checks made before any pixel work: what a file really is (magic bytes, not its name or
 * declared type), whether it hides another format, how big it claims to be, and whether its data
 * is whole. Only a file that passes every check reaches the variants pipeline.
 */

export type RejectionReason =
  | "not_an_image"
  | "type_mismatch"
  | "too_many_pixels"
  | "corrupt"
  | "unsupported";

/** A refused file; `detectedType` is what its bytes say it is, when that is why. */
export class ImageRejected extends Error {
  override readonly name = "ImageRejected";

  constructor(
    readonly reason: RejectionReason,
    message: string,
    readonly detectedType?: string,
  ) {
    super(message);
  }
}

/** 100 MP: a 24 MP (or 48 MP) photo passes; a 30000x30000 bomb (900 MP) does not. */
export const MAX_INPUT_PIXELS = 100_000_000;

export type Inspection =
  | {
      kind: "image";
      format: "jpeg" | "png" | "webp" | "avif" | "gif";
      mime: string;
      width: number;
      height: number;
      pages: number;
    }
  | { kind: "other"; mime: string };

type ImageFormat = Extract<Inspection, { kind: "image" }>["format"];

/** The accepted image types, and the loader libvips must pick for each. */
const ACCEPTED = new Map<string, { format: ImageFormat; loader: string }>([
  ["image/jpeg", { format: "jpeg", loader: "jpeg" }],
  ["image/png", { format: "png", loader: "png" }],
  ["image/webp", { format: "webp", loader: "webp" }],
  ["image/avif", { format: "avif", loader: "heif" }],
  ["image/gif", { format: "gif", loader: "gif" }],
]);

const SVG = "image/svg+xml";
const WINDOW = 64 * 1024;
/** A ZIP reader looks for its end record in the last 64 KiB (the longest comment) + 22 bytes. */
const TAIL = WINDOW + 22;
const ZIP_END_RECORD = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
/** Markup a browser would run or render; the tag name must end for a parser to see a tag. */
const MARKUP = /<(?:script|html|svg)(?=[\s/>])|<\?php|<!doctype(?=[\s>])/i;

const mediaType = (declaredType: string) => declaredType.split(";")[0]?.trim().toLowerCase() ?? "";

/**
 * Whether a file declared as this type is checked as an image. Anything else is judged by its
 * magic bytes alone, so a local copy of its first 64 KiB is enough to inspect it.
 */
export function declaresImage(declaredType: string): boolean {
  return mediaType(declaredType).startsWith("image/");
}

/** Throws ImageRejected, or says what the file is. `path` is a local copy of the object. */
export async function inspect(
  path: string,
  declaredType: string,
  options: { maxPixels?: number } = {},
): Promise<Inspection> {
  const maxPixels = options.maxPixels ?? MAX_INPUT_PIXELS;
  const declared = mediaType(declaredType);
  const file = await readEnds(path);
  if (file.size === 0) throw new ImageRejected("corrupt", "the file is empty");

  const detected = await detect(path, file.head);
  if (!declaresImage(declared)) {
    // A PDF, video or text file is stored as it is, but only if its bytes agree with its label.
    if (detected && detected !== declared) throw mismatch(declared, detected);
    return { kind: "other", mime: declaredType };
  }

  const type = imageType(declared, detected, file.head);
  refusePolyglots(file);
  const { width, height, pages } = await readHeader(path, type.loader, maxPixels);
  if (type.format === "gif" && file.tail.at(-1) !== 0x3b) {
    // libvips shows a cut GIF's frames without complaint; a whole GIF ends with its trailer.
    throw new ImageRejected("corrupt", "the GIF is cut short: it has no trailer");
  }
  await validate(path, maxPixels);
  return { kind: "image", format: type.format, mime: declared, width, height, pages };
}

async function readEnds(path: string) {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const read = async (from: number, length: number) => {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, from);
      return buffer.subarray(0, bytesRead);
    };
    const tailStart = Math.max(0, size - TAIL);
    return {
      size,
      head: await read(0, Math.min(size, WINDOW)),
      tail: await read(tailStart, size - tailStart),
      tailStart,
    };
  } finally {
    await handle.close();
  }
}

/** The type the magic bytes give, as the name this service uses for it. */
async function detect(path: string, head: Buffer): Promise<string | undefined> {
  const mime = (await fileTypeFromFile(path))?.mime;
  // An animated PNG is a PNG to every decoder here (libvips reads its first frame).
  if (mime === "image/apng") return "image/png";
  // file-type goes by the major brand alone; some AVIF writers put mif1 there and avif after it.
  if (mime === "image/heif" && ftypBrands(head).includes("avif")) return "image/avif";
  return mime;
}

function ftypBrands(head: Buffer): string[] {
  const end = Math.min(head.length, head.length >= 4 ? head.readUInt32BE(0) : 0);
  const brands: string[] = [];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(head.toString("latin1", at, at + 4));
  return brands;
}

/** file-type does not name SVG or HTML (text): recognised here when the file opens with markup. */
function sniffMarkup(head: Buffer): string | undefined {
  const text = head
    .toString("latin1")
    .replace(/^\xEF\xBB\xBF/, "")
    .trimStart();
  if (!text.startsWith("<")) return undefined;
  if (/<svg(?=[\s/>])/i.test(text)) return SVG;
  if (/<html(?=[\s>])|<!doctype html/i.test(text)) return "text/html";
  return undefined;
}

/**
 * SVG is never rasterised: it can carry scripts and external entities. Declared honestly it is
 * `unsupported` (the uploader should convert it); under a raster label it is markup posing as a
 * picture, `not_an_image`, like HTML named .jpg. A BMP under a JPEG label is still `unsupported`:
 * its bytes are a raster image, just not one of ours.
 */
function imageType(declared: string, magic: string | undefined, head: Buffer) {
  const detected = !magic || magic === "application/xml" ? (sniffMarkup(head) ?? magic) : magic;
  if (detected === SVG) {
    if (declared === SVG) {
      throw new ImageRejected(
        "unsupported",
        "SVG images are not accepted (they can carry scripts and external entities)",
        SVG,
      );
    }
    throw new ImageRejected("not_an_image", `declared ${declared} but the file is SVG markup`, SVG);
  }
  if (!detected?.startsWith("image/")) {
    const what = detected ?? "no known image format";
    throw new ImageRejected(
      "not_an_image",
      `declared ${declared} but the content is ${what}`,
      detected,
    );
  }
  const type = ACCEPTED.get(detected);
  if (!type) {
    throw new ImageRejected(
      "unsupported",
      `${detected} is not accepted (JPEG, PNG, WebP, AVIF or GIF only)`,
      detected,
    );
  }
  if (detected !== declared) throw mismatch(declared, detected);
  return type;
}

function mismatch(declared: string, detected: string) {
  return new ImageRejected(
    "type_mismatch",
    `declared ${declared} but the content is ${detected}`,
    detected,
  );
}

/**
 * A file that is also another format, where that format's reader would find it: markup in the
 * first or last 64 KiB (a browser sniffing it), a PDF header in the first 1 KiB (where PDF readers
 * accept it) or a PDF appended at the end, a ZIP directory at the end (where unzip looks).
 */
function refusePolyglots(file: { head: Buffer; tail: Buffer; tailStart: number }) {
  const polyglot = (what: string) => new ImageRejected("corrupt", `the image also carries ${what}`);
  for (const part of [file.head, file.tail]) {
    const markup = MARKUP.exec(part.toString("latin1"));
    if (markup) throw polyglot(`HTML or script markup (${markup[0].toLowerCase()})`);
  }
  if (file.head.subarray(0, 1024).includes("%PDF-")) throw polyglot("a PDF header (%PDF-)");
  if (file.tail.includes("%PDF-") || file.tail.subarray(-1024).includes("%%EOF")) {
    throw polyglot("a PDF document at its end");
  }
  if (zipEndRecord(file.tail, file.tailStart))
    throw polyglot("a ZIP archive (end of central directory)");
}

/** A whole end record whose central directory fits before it: what a reader would accept. */
function zipEndRecord(tail: Buffer, tailStart: number): boolean {
  let at = tail.lastIndexOf(ZIP_END_RECORD);
  while (at >= 0) {
    if (at + 22 <= tail.length && tail.readUInt32LE(at + 12) <= tailStart + at) return true;
    // Stop at 0: lastIndexOf(x, -1) would search again from the end.
    at = at === 0 ? -1 : tail.lastIndexOf(ZIP_END_RECORD, at - 1);
  }
  return false;
}

/** Dimensions from the header alone: nothing is decoded, so a bomb costs a few bytes to refuse. */
async function readHeader(path: string, loader: string, maxPixels: number) {
  // No pixel limit here: the limit is applied below, to refuse with its own reason.
  const meta = await sharp(path, { limitInputPixels: false })
    .metadata()
    .catch((error: unknown) => {
      throw corrupt(path, error);
    });
  if (meta.format !== loader) {
    throw new ImageRejected("corrupt", `the decoder reads it as ${meta.format}, not ${loader}`);
  }
  const { width, height } = meta;
  const pages = meta.pages ?? 1; // animation frames: each is decoded, so each counts
  if (!(width > 0 && height > 0))
    throw new ImageRejected("corrupt", "the header has no dimensions");
  const pixels = width * height * pages;
  if (pixels > maxPixels) {
    const frames = pages > 1 ? ` x ${pages} frames` : "";
    throw new ImageRejected(
      "too_many_pixels",
      `${width}x${height}${frames} is ${pixels} pixels, over the limit of ${maxPixels}`,
    );
  }
  return { width, height, pages };
}

/**
 * Reads every byte of pixel data once, to find truncation and corruption before any variant is
 * made. Sequential read and a 1x1 output per frame keep only a few scanlines in memory. Cost: a
 * JPEG decodes at 1/8 scale (shrink-on-load), about 55 ms for a 12 MP photo, some 8% of rendering
 * its six variants; other formats decode at full size. failOn "error" also refuses truncation;
 * "warning" would refuse common, harmless quirks (e.g. PNGs with a known-incorrect sRGB profile).
 */
async function validate(path: string, maxPixels: number) {
  await sharp(path, {
    failOn: "error",
    limitInputPixels: maxPixels,
    sequentialRead: true,
    animated: true,
  })
    .resize(1, 1, { fit: "fill" })
    .raw()
    .toBuffer()
    .catch((error: unknown) => {
      throw corrupt(path, error);
    });
}

/** sharp's own words, without the local path and on one line. */
function corrupt(path: string, error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  const detail = message
    .replaceAll(path, "input")
    .replace(/\s*\n\s*/g, "; ")
    .slice(0, 300);
  return new ImageRejected("corrupt", `the image data is unreadable: ${detail}`);
}
