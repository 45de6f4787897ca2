import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageRejected, inspect, MAX_INPUT_PIXELS } from "../src/inspect.ts";
import {
  animatedGif,
  avif,
  bmp,
  cmykJpeg,
  ftypHeader,
  gifWithComment,
  htmlPage,
  jpeg,
  jpegWithComment,
  orientedJpeg,
  pdfDocument,
  png,
  png16,
  pngBomb,
  pngWithChunk,
  scratchDir,
  svgWithExternalEntity,
  tiff,
  truncated,
  webp,
  zipArchive,
} from "./support/images.ts";

let files: Awaited<ReturnType<typeof scratchDir>>;
beforeAll(async () => {
  files = await scratchDir();
});
afterAll(() => files.remove());

/** Inspects bytes written under `name`, expecting a refusal, and answers it. */
async function refusal(
  name: string,
  bytes: Buffer | string,
  declaredType: string,
  options?: { maxPixels?: number },
): Promise<ImageRejected> {
  const path = await files.write(name, bytes);
  const outcome = await inspect(path, declaredType, options).catch((error: unknown) => error);
  if (!(outcome instanceof ImageRejected)) {
    throw new Error(`expected a refusal, got ${JSON.stringify(outcome)}`);
  }
  return outcome;
}

async function inspectBytes(name: string, bytes: Buffer | string, declaredType: string) {
  return inspect(await files.write(name, bytes), declaredType);
}

describe("inspect accepts well-formed images", () => {
  it("reads a 1x1 PNG's size from its header", async () => {
    expect(await inspectBytes("one.png", await png(1, 1), "image/png")).toEqual({
      kind: "image",
      format: "png",
      mime: "image/png",
      width: 1,
      height: 1,
      pages: 1,
    });
  });

  it("accepts a 10000x10 panorama", async () => {
    const result = await inspectBytes("panorama.jpg", await jpeg(10_000, 10), "image/jpeg");
    expect(result).toMatchObject({ kind: "image", format: "jpeg", width: 10_000, height: 10 });
  });

  it("reports an EXIF-rotated JPEG's stored size, not its displayed one", async () => {
    const result = await inspectBytes("rotated.jpg", await orientedJpeg(40, 20, 6), "image/jpeg");
    // Orientation 6 displays it 20x40; the header (and this check) knows only the stored 40x20.
    expect(result).toMatchObject({ kind: "image", width: 40, height: 20 });
  });

  it("accepts a CMYK JPEG", async () => {
    const result = await inspectBytes("cmyk.jpg", await cmykJpeg(30, 20), "image/jpeg");
    expect(result).toMatchObject({ kind: "image", format: "jpeg", width: 30, height: 20 });
  });

  it("accepts a 16-bit PNG", async () => {
    const result = await inspectBytes("deep.png", await png16(30, 20), "image/png");
    expect(result).toMatchObject({ kind: "image", format: "png", width: 30, height: 20 });
  });

  it("counts the frames of an animated GIF", async () => {
    const result = await inspectBytes("three.gif", await animatedGif(50, 40, 3), "image/gif");
    expect(result).toMatchObject({ kind: "image", format: "gif", width: 50, height: 40, pages: 3 });
  });

  it("accepts a WebP", async () => {
    const result = await inspectBytes("photo.webp", await webp(30, 20), "image/webp");
    expect(result).toMatchObject({ kind: "image", format: "webp", mime: "image/webp", width: 30 });
  });

  it("accepts an AVIF", async () => {
    const result = await inspectBytes("photo.avif", await avif(30, 20), "image/avif");
    expect(result).toMatchObject({ kind: "image", format: "avif", mime: "image/avif", width: 30 });
  });

  it("accepts an AVIF whose major brand is mif1, going by its compatible brands", async () => {
    const bytes = Buffer.from(await avif(30, 20));
    bytes.write("mif1", 8, "latin1"); // libavif writes avif there; some writers do not
    const result = await inspectBytes("mif1.avif", bytes, "image/avif");
    expect(result).toMatchObject({ kind: "image", format: "avif", width: 30, height: 20 });
  });

  it("takes an animated PNG declared image/png as a PNG", async () => {
    const control = Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]); // acTL: 1 frame, loop forever
    const apng = pngWithChunk(await png(30, 20), "acTL", control);
    const result = await inspectBytes("moving.png", apng, "image/png");
    expect(result).toMatchObject({ kind: "image", format: "png", mime: "image/png" });
  });

  it("accepts a declared type with parameters and capitals", async () => {
    const result = await inspectBytes("upper.jpg", await jpeg(8, 8), "IMAGE/JPEG; q=1");
    expect(result).toMatchObject({ kind: "image", format: "jpeg", mime: "image/jpeg" });
  });
});

describe("inspect passes declared non-images through without variants", () => {
  it("lets a PDF declared application/pdf through as other", async () => {
    expect(await inspectBytes("doc.pdf", pdfDocument(), "application/pdf")).toEqual({
      kind: "other",
      mime: "application/pdf",
    });
  });

  it("lets plain text through, which has no magic bytes to disagree", async () => {
    expect(await inspectBytes("notes.txt", "hello\n", "text/plain")).toEqual({
      kind: "other",
      mime: "text/plain",
    });
  });

  it("refuses a PNG declared application/pdf as a type mismatch", async () => {
    const refused = await refusal("fake.pdf", await png(4, 4), "application/pdf");
    expect(refused.reason).toBe("type_mismatch");
    expect(refused.detectedType).toBe("image/png");
  });

  // The process downloads only the first 64 KiB of a declared non-image.
  const first64KiB = (bytes: Buffer) => bytes.subarray(0, 64 * 1024);

  it("judges a non-image from its first 64 KiB alone", async () => {
    const pdf = Buffer.concat([pdfDocument(), Buffer.alloc(3 * 2 ** 20, 0x20)]);
    expect(await inspectBytes("start.pdf", first64KiB(pdf), "application/pdf")).toEqual({
      kind: "other",
      mime: "application/pdf",
    });
    const mp4 = Buffer.concat([ftypHeader("isom"), Buffer.alloc(2 ** 20)]);
    expect(await inspectBytes("start.mp4", first64KiB(mp4), "video/mp4")).toEqual({
      kind: "other",
      mime: "video/mp4",
    });
  });

  it("refuses the first 64 KiB of a large PNG declared application/pdf as a type mismatch", async () => {
    const large = await png(1000, 1000);
    expect(large.length).toBeGreaterThan(64 * 1024);
    const refused = await refusal("start.pdf", first64KiB(large), "application/pdf");
    expect([refused.reason, refused.detectedType]).toEqual(["type_mismatch", "image/png"]);
  });
});

describe("inspect refuses hostile and broken files", () => {
  it("refuses a zero-byte file as corrupt", async () => {
    const refused = await refusal("empty.jpg", Buffer.alloc(0), "image/jpeg");
    expect(refused.reason).toBe("corrupt");
    expect(refused.message).toBe("the file is empty");
  });

  it("refuses a zero-byte file even when declared as a non-image", async () => {
    expect((await refusal("empty.pdf", Buffer.alloc(0), "application/pdf")).reason).toBe("corrupt");
  });

  it("refuses a JPEG cut in half as corrupt", async () => {
    const refused = await refusal("half.jpg", truncated(await jpeg(200, 150)), "image/jpeg");
    expect(refused.reason).toBe("corrupt");
    expect(refused.message).toMatch(/premature end/i);
  });

  it("refuses a PNG cut in half as corrupt", async () => {
    const refused = await refusal("half.png", truncated(await png(200, 150)), "image/png");
    expect(refused.reason).toBe("corrupt");
  });

  it("refuses a GIF cut short, which the decoder would show partly, as corrupt", async () => {
    const cut = truncated(await animatedGif(100, 100, 3), 0.6);
    const refused = await refusal("half.gif", cut, "image/gif");
    expect(refused.reason).toBe("corrupt");
    expect(refused.message).toMatch(/trailer/);
  });

  it("refuses a PNG claiming 30000x30000 from its header alone", async () => {
    const bomb = pngBomb(30_000, 30_000);
    expect(bomb.length).toBeLessThan(200); // tiny: only the header can have been read
    const refused = await refusal("bomb.png", bomb, "image/png");
    expect(refused.reason).toBe("too_many_pixels");
    expect(refused.message).toContain("30000x30000");
  });

  it("keeps the default limit above a 24 MP photo and below 30000x30000", () => {
    expect(6000 * 4000).toBeLessThan(MAX_INPUT_PIXELS);
    expect(30_000 * 30_000).toBeGreaterThan(MAX_INPUT_PIXELS);
  });

  it("counts every frame of an animation against the pixel limit", async () => {
    const gif = await animatedGif(100, 100, 3); // 30000 pixels in all, 10000 per frame
    const refused = await refusal("frames.gif", gif, "image/gif", { maxPixels: 20_000 });
    expect(refused.reason).toBe("too_many_pixels");
    expect(refused.message).toContain("3 frames");
  });

  it("refuses a JPEG declared image/png as a type mismatch", async () => {
    const refused = await refusal("photo.png", await jpeg(8, 8), "image/png");
    expect(refused.reason).toBe("type_mismatch");
    expect(refused.detectedType).toBe("image/jpeg");
  });

  it("refuses an HTML page named .jpg as not an image", async () => {
    const refused = await refusal("page.jpg", htmlPage(), "image/jpeg");
    expect(refused.reason).toBe("not_an_image");
    expect(refused.detectedType).toBe("text/html");
  });

  it("refuses a PDF declared image/jpeg as not an image", async () => {
    const refused = await refusal("doc.jpg", pdfDocument(), "image/jpeg");
    expect(refused.reason).toBe("not_an_image");
    expect(refused.detectedType).toBe("application/pdf");
  });

  it("refuses bytes of no known format declared image/png as not an image", async () => {
    const refused = await refusal("noise.png", Buffer.from("just some bytes\n"), "image/png");
    expect(refused.reason).toBe("not_an_image");
    expect(refused.detectedType).toBeUndefined();
  });

  it("refuses an SVG with an external entity, declared as SVG, as unsupported", async () => {
    const refused = await refusal("xxe.svg", svgWithExternalEntity(), "image/svg+xml");
    expect(refused.reason).toBe("unsupported");
    expect(refused.detectedType).toBe("image/svg+xml");
  });

  it("refuses an SVG declared image/jpeg as not an image", async () => {
    const refused = await refusal("xxe.jpg", svgWithExternalEntity(), "image/jpeg");
    expect(refused.reason).toBe("not_an_image");
    expect(refused.detectedType).toBe("image/svg+xml");
  });

  it("refuses a BMP as unsupported", async () => {
    const refused = await refusal("old.bmp", bmp(4, 4), "image/bmp");
    expect(refused.reason).toBe("unsupported");
    expect(refused.detectedType).toBe("image/bmp");
  });

  it("refuses a TIFF declared image/jpeg as unsupported", async () => {
    const refused = await refusal("scan.jpg", await tiff(4, 4), "image/jpeg");
    expect(refused.reason).toBe("unsupported");
    expect(refused.detectedType).toBe("image/tiff");
  });

  it("refuses a HEIC as unsupported", async () => {
    const refused = await refusal("phone.heic", ftypHeader("heic"), "image/heic");
    expect(refused.reason).toBe("unsupported");
    expect(refused.detectedType).toBe("image/heic");
  });

  it("refuses a JPEG with a PDF appended as corrupt", async () => {
    const polyglot = Buffer.concat([await jpeg(200, 150), pdfDocument()]);
    const refused = await refusal("with-pdf.jpg", polyglot, "image/jpeg");
    expect(refused.reason).toBe("corrupt");
    expect(refused.message).toMatch(/PDF/);
  });

  it("refuses a JPEG with a PDF header in its first kilobyte as corrupt", async () => {
    const polyglot = jpegWithComment(await jpeg(64, 64), "%PDF-1.4 1 0 obj");
    const refused = await refusal("pdf-head.jpg", polyglot, "image/jpeg");
    expect(refused.reason).toBe("corrupt");
    expect(refused.message).toMatch(/%PDF-/);
  });

  it("refuses a JPEG with a ZIP appended as corrupt", async () => {
    const zip = zipArchive("shell.php", "<?= system($_GET['c']) ?>");
    const polyglot = Buffer.concat([await jpeg(200, 150), zip]);
    const refused = await refusal("with-zip.jpg", polyglot, "image/jpeg");
    expect(refused.reason).toBe("corrupt");
    expect(refused.message).toMatch(/ZIP/);
  });

  it("refuses a GIF with a script in a comment as corrupt", async () => {
    const polyglot = gifWithComment(await animatedGif(20, 20, 1), "<script>alert(1)</script>");
    const refused = await refusal("script.gif", polyglot, "image/gif");
    expect(refused.reason).toBe("corrupt");
    expect(refused.message).toContain("<script");
  });

  it("refuses a PNG carrying PHP in a text chunk as corrupt", async () => {
    const code = Buffer.from("Comment\0<?php system($_GET['c']); ?>", "latin1");
    const polyglot = pngWithChunk(await png(20, 20), "tEXt", code);
    const refused = await refusal("shell.png", polyglot, "image/png");
    expect(refused.reason).toBe("corrupt");
    expect(refused.message).toContain("<?php");
  });
});
