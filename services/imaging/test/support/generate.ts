import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp, { type Sharp } from "sharp";

/** Images made with sharp for the tests, written to a temporary folder (renderVariants reads files). */

export interface ImageFolder {
  /** Writes the image and returns its path. */
  save(name: string, image: Sharp | Buffer): Promise<string>;
  remove(): Promise<void>;
}

export async function imageFolder(): Promise<ImageFolder> {
  const dir = await mkdtemp(join(tmpdir(), "imaging-variants-"));
  return {
    async save(name, image) {
      const path = join(dir, name);
      await writeFile(path, Buffer.isBuffer(image) ? image : await image.toBuffer());
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A flat image of one colour (alpha 0–1 gives four channels). */
export function solid(width: number, height: number, colour: string, alpha?: number): Sharp {
  const background = alpha === undefined ? colour : { ...rgb(colour), alpha };
  return sharp({ create: { width, height, channels: alpha === undefined ? 3 : 4, background } });
}

/** Noise, so crops and resizes have detail to work on. */
export function noisy(width: number, height: number): Sharp {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: "#808080",
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  });
}

/** Two halves side by side: `left` on the left, `right` on the right. */
export async function halves(width: number, height: number, left: string, right: string) {
  const half = await solid(width / 2, height, right)
    .png()
    .toBuffer();
  return solid(width, height, left).composite([{ input: half, left: width / 2, top: 0 }]);
}

/** An animated GIF, one frame per colour. */
export async function animatedGif(width: number, height: number, colours: string[]) {
  const frames = await Promise.all(colours.map((c) => solid(width, height, c).png().toBuffer()));
  return sharp(frames, { join: { animated: true } }).gif({ delay: 100 });
}

function rgb(colour: string) {
  const value = Number.parseInt(colour.replace("#", ""), 16);
  return { r: (value >> 16) & 255, g: (value >> 8) & 255, b: value & 255 };
}

/** The mean of each channel of an encoded image, decoded as sRGB. */
export async function meanColour(image: Buffer): Promise<number[]> {
  const { channels } = await sharp(image).stats();
  return channels.map((channel) => Math.round(channel.mean));
}

/** One decoded pixel: [r, g, b] or [r, g, b, alpha]. */
export async function pixelAt(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + info.channels)];
}
