import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import sharp, { type Sharp } from "sharp";

/**
 * Test images made on the fly, for the imaging tests. Each generator returns a file's bytes;
 * `scratchDir()` writes them where the code under test can read them. Pixels are a fixed pattern
 * of gradients and edges, so encoders make realistic data and results repeat from run to run.
 *
 * Stable exports: pattern, jpeg, png, alphaPng, png16, greyJpeg, cmykJpeg, orientedJpeg, gpsJpeg,
 * webp, avif, animatedGif, tiff, bmp, pngBomb, truncated, pngWithChunk, jpegWithComment,
 * gifWithComment, pdfDocument, zipArchive, htmlPage, svgWithExternalEntity, ftypHeader, scratchDir.
 */

/** Pattern pixels as a sharp pipeline, to encode as anything. Frames stack as pages (animation). */
export function pattern(
  width: number,
  height: number,
  { channels = 3, frames = 1 }: { channels?: 3 | 4; frames?: number } = {},
): Sharp {
  const pixels = Buffer.alloc(width * height * frames * channels);
  let i = 0;
  for (let frame = 0; frame < frames; frame++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const shifted = x + frame * 17; // each frame differs, so no encoder merges them
        pixels[i++] = (shifted * 3 + ((shifted ^ y) & 31) * 2) & 255;
        pixels[i++] = (y * 5 + frame * 60) & 255;
        pixels[i++] = ((shifted + y) * 2) & 255;
        if (channels === 4) pixels[i++] = 255 - Math.floor((x * 255) / width);
      }
    }
  }
  const raw = {
    width,
    height: height * frames,
    channels,
    ...(frames > 1 ? { pageHeight: height } : {}),
  };
  return sharp(pixels, { raw });
}

export const jpeg = (width: number, height: number) => pattern(width, height).jpeg().toBuffer();
export const png = (width: number, height: number) => pattern(width, height).png().toBuffer();
/** RGBA, alpha fading from opaque (left) to transparent (right). */
export const alphaPng = (width: number, height: number) =>
  pattern(width, height, { channels: 4 }).png().toBuffer();
/** 16 bits per sample (sharp reports depth "ushort"). */
export const png16 = (width: number, height: number) =>
  pattern(width, height).toColourspace("rgb16").png().toBuffer();
/** One channel, space "b-w". */
export const greyJpeg = (width: number, height: number) =>
  pattern(width, height).toColourspace("b-w").jpeg().toBuffer();
/** Four channels, space "cmyk", as from print workflows. */
export const cmykJpeg = (width: number, height: number) =>
  pattern(width, height).toColourspace("cmyk").jpeg().toBuffer();
/** Stored width x height with an EXIF orientation (6: shown rotated 90° clockwise). */
export const orientedJpeg = (width: number, height: number, orientation: number) =>
  pattern(width, height).jpeg().withMetadata({ orientation }).toBuffer();
/** EXIF with a GPS position (51°30'N 0°7'W) and a camera make. */
export const gpsJpeg = (width: number, height: number) =>
  pattern(width, height)
    .jpeg()
    .withExif({
      IFD0: { Make: "TestCam" },
      IFD3: {
        GPSLatitudeRef: "N",
        GPSLatitude: "51/1 30/1 0/1",
        GPSLongitudeRef: "W",
        GPSLongitude: "0/1 7/1 0/1",
      },
    })
    .toBuffer();
export const webp = (width: number, height: number) => pattern(width, height).webp().toBuffer();
export const avif = (width: number, height: number) => pattern(width, height).avif().toBuffer();
/** Each frame width x height; sharp reports `pages: frames`. */
export const animatedGif = (width: number, height: number, frames: number) =>
  pattern(width, height, { frames }).gif().toBuffer();
export const tiff = (width: number, height: number) => pattern(width, height).tiff().toBuffer();

/** A 24-bit BMP (sharp cannot write one): grey pixels. */
export function bmp(width: number, height: number): Buffer {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const header = Buffer.alloc(54);
  header.write("BM", 0, "latin1");
  header.writeUInt32LE(54 + rowBytes * height, 2);
  header.writeUInt32LE(54, 10); // where the pixels start
  header.writeUInt32LE(40, 14); // BITMAPINFOHEADER
  header.writeInt32LE(width, 18);
  header.writeInt32LE(height, 22);
  header.writeUInt16LE(1, 26); // planes
  header.writeUInt16LE(24, 28); // bits per pixel
  return Buffer.concat([header, Buffer.alloc(rowBytes * height, 0x80)]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/**
 * A decompression bomb's header: a valid PNG that claims width x height (8-bit grey) but holds one
 * tiny IDAT. About 100 bytes, so refusing it proves nothing was decoded.
 */
export function pngBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth; colour type 0 (grey), default compression, filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(Buffer.alloc(width + 1))), // one row of the claimed image
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The first `fraction` of a file, as an interrupted upload leaves it. */
export const truncated = (bytes: Buffer, fraction = 0.5) =>
  bytes.subarray(0, Math.floor(bytes.length * fraction));

/** A PNG with one more chunk right after IHDR (e.g. tEXt, or acTL to make it an APNG). */
export function pngWithChunk(png: Buffer, type: string, data: Buffer): Buffer {
  const afterHeader = 8 + 25; // signature + IHDR chunk
  return Buffer.concat([
    png.subarray(0, afterHeader),
    pngChunk(type, data),
    png.subarray(afterHeader),
  ]);
}

/** A JPEG with a comment (COM) segment right after its start marker. */
export function jpegWithComment(jpeg: Buffer, comment: string): Buffer {
  const text = Buffer.from(comment, "latin1");
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, text, jpeg.subarray(2)]);
}

/** A GIF with a comment extension just before its trailer. */
export function gifWithComment(gif: Buffer, comment: string): Buffer {
  const text = Buffer.from(comment, "latin1");
  const blocks: Buffer[] = [];
  for (let at = 0; at < text.length; at += 255) {
    const block = text.subarray(at, at + 255);
    blocks.push(Buffer.from([block.length]), block);
  }
  const extension = Buffer.concat([Buffer.from([0x21, 0xfe]), ...blocks, Buffer.from([0x00])]);
  return Buffer.concat([gif.subarray(0, -1), extension, gif.subarray(-1)]);
}

/** A minimal PDF with no pages: enough for any magic-byte reader. */
export const pdfDocument = () =>
  Buffer.from(
    "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
      "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    "latin1",
  );

/** A ZIP archive holding one stored (uncompressed) file. */
export function zipArchive(name: string, content: string): Buffer {
  const fileName = Buffer.from(name, "utf8");
  const data = Buffer.from(content, "utf8");
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4); // version made by
  central.writeUInt16LE(20, 6); // version needed
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const directory = Buffer.concat([central, fileName]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8); // entries on this disk
  end.writeUInt16LE(1, 10); // entries in all
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(local.length + fileName.length + data.length, 16); // directory offset
  return Buffer.concat([local, fileName, data, directory, end]);
}

export const htmlPage = () =>
  Buffer.from(
    "<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n",
  );

/** An SVG that, if rasterised by a careless parser, would read /etc/passwd into the picture. */
export const svgWithExternalEntity = () =>
  Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n' +
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50">\n' +
      '<text y="20">&xxe;</text></svg>\n',
  );

/** The opening `ftyp` box of an ISO media file with the given major brand (e.g. "heic"). */
export function ftypHeader(brand: string): Buffer {
  const box = Buffer.alloc(24);
  box.writeUInt32BE(24, 0);
  box.write("ftyp", 4, "latin1");
  box.write(brand, 8, "latin1");
  box.write(`mif1${brand}`, 16, "latin1"); // compatible brands
  return box;
}

/** A temporary directory for test files; `remove()` it when done. */
export async function scratchDir() {
  const dir = await mkdtemp(join(tmpdir(), "imaging-test-"));
  return {
    dir,
    /** Writes the bytes and answers the file's path. */
    async write(name: string, bytes: Buffer | string): Promise<string> {
      const path = join(dir, name);
      await writeFile(path, bytes);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
