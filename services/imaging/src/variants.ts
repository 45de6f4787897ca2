import sharp, { type ResizeOptions, type Sharp } from "sharp";
import { MAX_INPUT_PIXELS } from "./inspect.ts";

/**
 * The variants of an accepted image. The file is decoded once, shrunk on load where the format
 * allows (JPEG, WebP), oriented and made sRGB into one raw intermediate just big enough for the
 * largest variant; every variant is derived from that intermediate, largest first, and never
 * larger than the original. For square purposes the intermediate is the square crop itself, so
 * every size shows the same framing and a long strip is never held whole.
 *
 * What happens to each kind of input:
 * - EXIF orientation is applied to the pixels; outputs carry no EXIF, XMP or IPTC (no GPS).
 * - Colour: an ICC-tagged input (Display P3, Adobe RGB...) is converted to sRGB with its profile,
 *   CMYK with its own or libvips' CMYK profile; every output is sRGB and tagged with libvips'
 *   compact sRGB profile (480 bytes) so no viewer has to guess.
 * - 16-bit inputs become 8-bit; greyscale becomes 3-channel sRGB (grey pixels, sRGB-tagged).
 * - Alpha is kept in WebP; JPEG is flattened onto white.
 * - Animated GIF/WebP: the first frame only (variants are stills).
 *
 * sharp settings, process-wide (chosen by measuring on a 2-core machine):
 * - cache(false): every image is a new file, so libvips' operation cache (100 operations,
 *   50 MB by default) never hits; it would only hold on to finished work. No speed difference.
 * - concurrency(1): one libvips thread per pipeline. sharp already picks 1 on glibc Linux, as on
 *   Lambda, to limit memory fragmentation; fixing it makes every machine behave alike. An image
 *   still uses every core: its outputs are encoded at once, each on its own libuv thread, and
 *   more threads per pipeline made one image no faster.
 */
sharp.cache(false);
sharp.concurrency(1);

export type OutputFormat = "webp" | "jpeg";

export interface VariantSpec {
  size: number;
  fit: "cover" | "inside";
}

export interface RenderedVariant {
  name: string;
  size: number;
  format: OutputFormat;
  width: number;
  height: number;
  bytes: Buffer;
}

const squares = (...sizes: number[]): readonly VariantSpec[] =>
  sizes.map((size) => ({ size, fit: "cover" }));
const boxes = (...sizes: number[]): readonly VariantSpec[] =>
  sizes.map((size) => ({ size, fit: "inside" }));

/** Per purpose: square crops (cover) or the whole picture inside a size x size box. */
export const RECIPES: Record<string, readonly VariantSpec[]> = {
  profile: squares(64, 256, 1024),
  "chat-profile": squares(64, 256, 1024),
  feed: boxes(320, 1080, 2048),
  chatroom: boxes(320, 1080),
  chat: boxes(320, 1280),
};

const FORMATS: readonly OutputFormat[] = ["webp", "jpeg"];

/**
 * Up to this aspect ratio a square is cropped on the most interesting region (libvips' attention
 * strategy); beyond it, at the centre. Attention scores the whole picture at the crop's scale:
 * on a 100000x1000 strip that is gigabytes for a crop of 1000x1000.
 */
const ATTENTION_MAX_RATIO = 4;

// Quality 80 for both. Measured on a 2048x1536 photo: WebP effort 2 takes 130 ms, effort 4
// 2.4x that for the same bytes; mozjpeg takes 5x as long as libjpeg-turbo's progressive JPEG
// for 20% fewer bytes. Progressive JPEG costs 40% more than baseline and shows sooner.
const ENCODE: Record<OutputFormat, (image: Sharp) => Sharp> = {
  webp: (image) => image.webp({ quality: 80, effort: 2 }),
  jpeg: (image) =>
    image
      .flatten({ background: "#ffffff" })
      .jpeg({ quality: 80, progressive: true, mozjpeg: false }),
};

function recipeFor(purpose: string): readonly VariantSpec[] | undefined {
  return Object.hasOwn(RECIPES, purpose) ? RECIPES[purpose] : undefined;
}

/** Outputs a purpose makes (sizes x formats); 0 for a purpose without variants. */
export function variantCount(purpose: string): number {
  return (recipeFor(purpose)?.length ?? 0) * FORMATS.length;
}

/**
 * Renders every variant of the image at `path` for `purpose`, largest first and WebP before
 * JPEG, awaiting `onVariant` for each as it is made. Returns the original's oriented size.
 */
export async function renderVariants(
  path: string,
  purpose: string,
  onVariant?: (variant: RenderedVariant) => Promise<void> | void,
  options: { maxPixels?: number } = {},
): Promise<{ width: number; height: number; variants: RenderedVariant[] }> {
  const recipe = recipeFor(purpose);
  if (!recipe?.length) throw new Error(`no variants are defined for purpose "${purpose}"`);
  const specs = [...recipe].sort((a, b) => b.size - a.size);
  const fit = fitOf(specs);

  // animated: false reads the first frame only.
  const source = sharp(path, {
    limitInputPixels: options.maxPixels ?? MAX_INPUT_PIXELS,
    failOn: "error",
    animated: false,
  });
  const meta = await source.metadata();
  const { width, height } = meta.autoOrient;
  const oriented = source.autoOrient().resize(intermediateSize(fit, specs, width, height));
  // sharp converts an 8-bit input to sRGB on load with its profile (or CMYK's), but a tagged
  // 16-bit one to Display P3, which toColourspace would only narrow to 8 bits: P3 values read
  // as sRGB, colours washed out. An explicit transform to sRGB puts those right.
  const inSrgb =
    meta.hasProfile && meta.depth === "ushort"
      ? oriented.withIccProfile("srgb", { attach: false })
      : oriented.toColourspace("srgb");
  const { data, info } = await inSrgb.raw().toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };

  const encode = async (spec: VariantSpec, format: OutputFormat): Promise<RenderedVariant> => {
    const resized = sharp(data, { raw }).resize(variantSize(spec, raw.width, raw.height));
    const output = await ENCODE[format](resized).toBuffer({ resolveWithObject: true });
    const { width, height } = output.info;
    const icc = await srgbProfile();
    const bytes =
      format === "jpeg" ? tagJpeg(output.data, icc) : tagWebp(output.data, icc, width, height);
    return { name: `${spec.size}-${format}`, size: spec.size, format, width, height, bytes };
  };
  // All outputs are encoded at once (libuv's threads, one libvips thread each) and handed over
  // in order, so encoding overlaps the caller's uploads. If one fails, or the caller does, the
  // others' failures must not go unhandled.
  const pending = specs.flatMap((spec) => FORMATS.map((format) => encode(spec, format)));
  for (const output of pending) output.catch(() => {});
  const variants: RenderedVariant[] = [];
  for (const output of pending) {
    const variant = await output;
    variants.push(variant);
    await onVariant?.(variant);
  }
  return { width, height, variants };
}

/** A recipe makes squares or boxes, never both: a square intermediate serves squares only. */
function fitOf(specs: readonly VariantSpec[]): VariantSpec["fit"] {
  const fits = new Set(specs.map((spec) => spec.fit));
  const [fit] = fits;
  if (!fit || fits.size > 1) throw new Error("a recipe must be all squares or all boxes");
  return fit;
}

/**
 * The smallest intermediate that serves every spec, never larger than the original: the
 * largest box, or for squares the largest square crop (a smaller original gives a smaller one).
 */
function intermediateSize(
  fit: VariantSpec["fit"],
  specs: readonly VariantSpec[],
  width: number,
  height: number,
): ResizeOptions {
  const largest = Math.max(...specs.map((spec) => spec.size));
  if (fit === "inside") {
    return { width: largest, height: largest, fit: "inside", withoutEnlargement: true };
  }
  const shortest = Math.min(width, height);
  const side = Math.min(shortest, largest);
  const moderate = Math.max(width, height) / shortest <= ATTENTION_MAX_RATIO;
  return { width: side, height: side, fit: "cover", position: moderate ? "attention" : "centre" };
}

/** From a square intermediate, each square is that crop made smaller, never larger. */
function variantSize(spec: VariantSpec, width: number, height: number): ResizeOptions {
  if (spec.fit === "inside") {
    return { width: spec.size, height: spec.size, fit: "inside", withoutEnlargement: true };
  }
  const side = Math.min(spec.size, width, height);
  return { width: side, height: side, fit: "fill" };
}

/** libvips' compact sRGB profile (480 bytes), taken from sharp once. */
let srgbProfileBytes: Promise<Buffer> | undefined;
function srgbProfile(): Promise<Buffer> {
  srgbProfileBytes ??= sharp({ create: { width: 1, height: 1, channels: 3, background: "#000" } })
    .withIccProfile("srgb")
    .png()
    .toBuffer()
    .then((png) => sharp(png).metadata())
    .then(({ icc }) => {
      if (!icc) throw new Error("sharp attached no sRGB profile");
      return icc;
    });
  return srgbProfileBytes;
}

// The outputs' pixels are sRGB already; sharp's withIccProfile("srgb") would run an identity
// colour transform over every pixel (a tenth of the pipeline's time) just to attach the profile,
// so the profile is written into the files directly.

/** Adds an APP2 ICC_PROFILE segment (one chunk) after SOI and any JFIF APP0. */
function tagJpeg(jpeg: Buffer, icc: Buffer): Buffer {
  const at = jpeg.readUInt16BE(2) === 0xffe0 ? 4 + jpeg.readUInt16BE(4) : 2;
  const segment = Buffer.from("\xff\xe2\0\0ICC_PROFILE\0\x01\x01", "latin1");
  segment.writeUInt16BE(segment.length - 2 + icc.length, 2);
  return Buffer.concat([jpeg.subarray(0, at), segment, icc, jpeg.subarray(at)]);
}

const WEBP_ICC_FLAG = 0x20;

/**
 * Adds an ICCP chunk, which needs the extended layout: libwebp writes it already for lossy with
 * alpha (VP8X, ALPH, VP8); plain lossy (VP8 alone) gets a VP8X header with the canvas size.
 */
function tagWebp(webp: Buffer, icc: Buffer, width: number, height: number): Buffer {
  const layout = webp.toString("latin1", 12, 16);
  let header: Buffer;
  if (layout === "VP8X") {
    header = Buffer.from(webp.subarray(12, 30));
  } else if (layout === "VP8 ") {
    header = riffChunk("VP8X", Buffer.alloc(10));
    header.writeUIntLE(width - 1, 12, 3);
    header.writeUIntLE(height - 1, 15, 3);
  } else {
    throw new Error(`unexpected WebP layout ${JSON.stringify(layout)}`);
  }
  header.writeUInt8(header.readUInt8(8) | WEBP_ICC_FLAG, 8);
  const chunks = [header, riffChunk("ICCP", icc), webp.subarray(layout === "VP8X" ? 30 : 12)];
  const size = chunks.reduce((total, chunk) => total + chunk.length, 4);
  const riff = Buffer.alloc(12);
  riff.write("RIFF", 0, "latin1");
  riff.writeUInt32LE(size, 4);
  riff.write("WEBP", 8, "latin1");
  return Buffer.concat([riff, ...chunks]);
}

/** A RIFF chunk: four-character type, little-endian size, data padded to an even length. */
function riffChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(8 + data.length + (data.length % 2));
  chunk.write(type, 0, "latin1");
  chunk.writeUInt32LE(data.length, 4);
  data.copy(chunk, 8);
  return chunk;
}
