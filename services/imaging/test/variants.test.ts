import exifReader from "exif-reader";
import { fileTypeFromBuffer } from "file-type";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECIPES, type RenderedVariant, renderVariants, variantCount } from "../src/variants.ts";
import {
  animatedGif,
  halves,
  type ImageFolder,
  imageFolder,
  meanColour,
  noisy,
  pixelAt,
  solid,
} from "./support/generate.ts";

let images: ImageFolder;
let photo: string; // a 1600x1200 JPEG
let srgbProfile: Buffer;

beforeAll(async () => {
  images = await imageFolder();
  photo = await images.save("photo.jpg", noisy(1600, 1200).jpeg());
  const tagged = await solid(1, 1, "#000000").withIccProfile("srgb").png().toBuffer();
  const { icc } = await sharp(tagged).metadata();
  if (!icc) throw new Error("sharp attached no sRGB profile");
  srgbProfile = icc;
});

afterAll(() => images.remove());

const sizes = (variants: RenderedVariant[]) =>
  variants.map(({ name, width, height }) => `${name} ${width}x${height}`);
const outputs = (variants: RenderedVariant[], format: "webp" | "jpeg") =>
  variants.filter((variant) => variant.format === format);

/** Near a colour: each channel within `tolerance`. */
function expectColour(actual: number[], expected: number[], tolerance: number) {
  for (const [channel, value] of expected.entries()) {
    expect(Math.abs((actual[channel] ?? Number.NaN) - value)).toBeLessThanOrEqual(tolerance);
  }
}

describe("the recipes", () => {
  it.each([
    ["profile", 6],
    ["chat-profile", 6],
    ["feed", 6],
    ["chatroom", 4],
    ["chat", 4],
  ])("%s makes %i outputs: each size as WebP and JPEG", (purpose, count) => {
    expect(variantCount(purpose)).toBe(count);
    expect((RECIPES[purpose]?.length ?? 0) * 2).toBe(count);
  });

  it("counts no outputs for an unknown purpose, even one named like an object property", () => {
    expect(variantCount("avatar")).toBe(0);
    expect(variantCount("constructor")).toBe(0);
  });

  it.each(["avatar", "constructor"])(
    "refuses the unknown purpose %s, naming it",
    async (purpose) => {
      await expect(renderVariants(photo, purpose)).rejects.toThrow(`"${purpose}"`);
    },
  );
});

describe("sizes from a 1600x1200 photo", () => {
  it.each(["profile", "chat-profile"])(
    "%s: squares of 1024, 256 and 64, cropped",
    async (purpose) => {
      const result = await renderVariants(photo, purpose);
      expect(result).toMatchObject({ width: 1600, height: 1200 });
      expect(sizes(result.variants)).toEqual([
        "1024-webp 1024x1024",
        "1024-jpeg 1024x1024",
        "256-webp 256x256",
        "256-jpeg 256x256",
        "64-webp 64x64",
        "64-jpeg 64x64",
      ]);
    },
  );

  it("feed: inside 2048 (the original's 1600, never upscaled), 1080 and 320", async () => {
    const { variants } = await renderVariants(photo, "feed");
    expect(sizes(variants)).toEqual([
      "2048-webp 1600x1200",
      "2048-jpeg 1600x1200",
      "1080-webp 1080x810",
      "1080-jpeg 1080x810",
      "320-webp 320x240",
      "320-jpeg 320x240",
    ]);
  });

  it("chat: inside 1280 and 320; chatroom: inside 1080 and 320", async () => {
    const chat = await renderVariants(photo, "chat");
    expect(sizes(chat.variants)).toEqual([
      "1280-webp 1280x960",
      "1280-jpeg 1280x960",
      "320-webp 320x240",
      "320-jpeg 320x240",
    ]);
    const chatroom = await renderVariants(photo, "chatroom");
    expect(sizes(chatroom.variants)).toEqual([
      "1080-webp 1080x810",
      "1080-jpeg 1080x810",
      "320-webp 320x240",
      "320-jpeg 320x240",
    ]);
  });

  it("reports each variant's real dimensions, as a decoder reads them", async () => {
    const { variants } = await renderVariants(photo, "chat");
    for (const variant of variants) {
      const meta = await sharp(variant.bytes).metadata();
      expect([meta.width, meta.height]).toEqual([variant.width, variant.height]);
    }
  });

  it("makes real WebP and JPEG files (by their magic bytes)", async () => {
    const { variants } = await renderVariants(photo, "chat");
    for (const variant of variants) {
      const detected = await fileTypeFromBuffer(variant.bytes);
      expect(detected?.mime).toBe(variant.format === "webp" ? "image/webp" : "image/jpeg");
    }
    for (const webp of outputs(variants, "webp")) {
      expect(webp.bytes.toString("latin1", 0, 4)).toBe("RIFF");
      expect(webp.bytes.toString("latin1", 8, 12)).toBe("WEBP");
      expect(webp.bytes.readUInt32LE(4)).toBe(webp.bytes.length - 8); // RIFF size still right
    }
    for (const jpeg of outputs(variants, "jpeg")) {
      expect([...jpeg.bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    }
  });
});

describe("unusual shapes", () => {
  it("a 1x1 PNG gives 1x1 variants", async () => {
    const dot = await images.save("dot.png", solid(1, 1, "#336699").png());
    for (const purpose of ["profile", "feed"]) {
      const { variants } = await renderVariants(dot, purpose);
      expect(variants).toHaveLength(6);
      for (const variant of variants) expect([variant.width, variant.height]).toEqual([1, 1]);
    }
  });

  it("a 10000x10 panorama fits inside each box, at least one pixel high", async () => {
    const panorama = await images.save("panorama.png", noisy(10000, 10).png());
    const { variants } = await renderVariants(panorama, "feed");
    expect(sizes(variants)).toEqual([
      "2048-webp 2048x2",
      "2048-jpeg 2048x2",
      "1080-webp 1080x1",
      "1080-jpeg 1080x1",
      "320-webp 320x1",
      "320-jpeg 320x1",
    ]);
  });

  it("a square purpose crops a small original to smaller squares, never upscaled", async () => {
    const small = await images.save("small.png", noisy(100, 50).png());
    const { variants } = await renderVariants(small, "profile");
    expect(sizes(variants)).toEqual([
      "1024-webp 50x50",
      "1024-jpeg 50x50",
      "256-webp 50x50",
      "256-jpeg 50x50",
      "64-webp 50x50",
      "64-jpeg 50x50",
    ]);
  });

  it("a square crop follows what stands out, not the centre", async () => {
    // A grey strip with a red block near its right end: a centre crop would be all grey.
    const block = await solid(100, 100, "#ff0000").png().toBuffer();
    const strip = solid(1600, 400, "#808080").composite([{ input: block, left: 1400, top: 150 }]);
    const path = await images.save("strip.png", strip.png());
    const { variants } = await renderVariants(path, "profile");
    for (const variant of variants) {
      const [red = 0, green = 0] = await meanColour(variant.bytes);
      expect(red - green).toBeGreaterThan(5);
    }
  });

  it("a 20000x200 strip gives 200x200 squares from its centre (too long to look for interest)", async () => {
    // A red square that an attention crop finds; past 4:1 the crop is the centre, all grey.
    const block = await solid(200, 200, "#ff0000").png().toBuffer();
    const strip = solid(20000, 200, "#808080").composite([{ input: block, left: 15000, top: 0 }]);
    const path = await images.save("long-strip.png", strip.png());
    const { width, height, variants } = await renderVariants(path, "profile");
    expect([width, height]).toEqual([20000, 200]);
    expect(sizes(variants)).toEqual([
      "1024-webp 200x200",
      "1024-jpeg 200x200",
      "256-webp 200x200",
      "256-jpeg 200x200",
      "64-webp 64x64",
      "64-jpeg 64x64",
    ]);
    for (const variant of variants) {
      expectColour(await meanColour(variant.bytes), [128, 128, 128], 3);
    }
  });
});

describe("orientation and metadata", () => {
  it("applies EXIF orientation 6: a 400x200 JPEG gives 200x400 variants, turned", async () => {
    // Red on the left, blue on the right; turned a quarter clockwise, red is on top.
    const stored = (await halves(400, 200, "#ff0000", "#0000ff")).withMetadata({ orientation: 6 });
    const path = await images.save("rotated.jpg", stored.jpeg());
    const result = await renderVariants(path, "chat");
    expect(result).toMatchObject({ width: 200, height: 400 });
    expect(sizes(result.variants)).toEqual([
      "1280-webp 200x400",
      "1280-jpeg 200x400",
      "320-webp 160x320",
      "320-jpeg 160x320",
    ]);
    for (const { bytes, width, height } of result.variants) {
      const meta = await sharp(bytes).metadata();
      expect([meta.width, meta.height, meta.orientation]).toEqual([width, height, undefined]);
      expectColour(await pixelAt(bytes, width / 2, height / 10), [255, 0, 0], 40);
      expectColour(await pixelAt(bytes, width / 2, height - height / 10), [0, 0, 255], 40);
    }
  });

  it("drops EXIF, GPS included, from every output", async () => {
    const tagged = noisy(400, 300).withExif({
      IFD0: { Make: "Test camera" },
      IFD3: {
        GPSLatitudeRef: "N",
        GPSLatitude: "51/1 30/1 0/1",
        GPSLongitudeRef: "W",
        GPSLongitude: "0/1 7/1 0/1",
      },
    });
    const path = await images.save("gps.jpg", tagged.jpeg());
    const input = await sharp(path).metadata();
    expect(input.exif && exifReader(input.exif).GPSInfo).toMatchObject({ GPSLatitudeRef: "N" });

    const { variants } = await renderVariants(path, "profile");
    for (const variant of variants) {
      const meta = await sharp(variant.bytes).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(variant.bytes.includes("Test camera")).toBe(false);
    }
  });
});

describe("colour", () => {
  it("tags every output with the sRGB profile", async () => {
    const { variants } = await renderVariants(photo, "chat");
    for (const variant of variants) {
      const meta = await sharp(variant.bytes).metadata();
      expect(meta.space).toBe("srgb");
      expect(meta.icc).toEqual(srgbProfile);
    }
  });

  it("converts a Display P3 image to sRGB with its profile", async () => {
    // sRGB red stored as P3 values (about 234, 51, 35) under a P3 profile.
    const p3 = await images.save("p3.png", solid(64, 64, "#ff0000").withIccProfile("p3").png());
    const stored = await sharp(p3, { ignoreIcc: true }).raw().toBuffer();
    expect(stored[1]).toBeGreaterThan(30); // so reading the values as sRGB would show
    const { variants } = await renderVariants(p3, "chat");
    for (const variant of variants) {
      expectColour(await meanColour(variant.bytes), [255, 0, 0], 12);
      expect((await sharp(variant.bytes).metadata()).icc).toEqual(srgbProfile);
    }
  });

  it("converts a CMYK JPEG to sRGB: pure red stays red", async () => {
    const path = await images.save(
      "cmyk.jpg",
      solid(64, 64, "#ff0000").toColourspace("cmyk").jpeg(),
    );
    expect((await sharp(path).metadata()).space).toBe("cmyk");
    const { variants } = await renderVariants(path, "chat");
    for (const variant of variants) {
      const meta = await sharp(variant.bytes).metadata();
      expect([meta.space, meta.channels]).toEqual(["srgb", 3]);
      // CMYK's gamut has no pure sRGB red: close to it, nothing like the cyan of misread CMYK.
      expectColour(await meanColour(variant.bytes), [255, 0, 0], 35);
    }
  });

  it("makes 8-bit outputs from a 16-bit PNG", async () => {
    const path = await images.save("deep.png", noisy(300, 200).toColourspace("rgb16").png());
    expect((await sharp(path).metadata()).depth).toBe("ushort");
    const { variants } = await renderVariants(path, "chat");
    for (const variant of variants) {
      expect((await sharp(variant.bytes).metadata()).depth).toBe("uchar");
    }
  });

  it("keeps the colours of a 16-bit PNG with a profile (sharp would leave them in P3)", async () => {
    const deep = solid(64, 64, "#ff0000").toColourspace("rgb16").withIccProfile("srgb");
    const path = await images.save("deep-tagged.png", deep.png());
    const { variants } = await renderVariants(path, "chat");
    for (const variant of variants) {
      expectColour(await meanColour(variant.bytes), [255, 0, 0], 12);
    }
  });

  it("makes 3-channel sRGB outputs, still grey, from a greyscale image", async () => {
    const path = await images.save(
      "grey.png",
      solid(300, 200, "#777777").toColourspace("b-w").png(),
    );
    expect((await sharp(path).metadata()).channels).toBe(1);
    const { variants } = await renderVariants(path, "chat");
    for (const variant of variants) {
      const meta = await sharp(variant.bytes).metadata();
      expect([meta.space, meta.channels]).toEqual(["srgb", 3]);
      const [red = 0, green = 0, blue = 0] = await meanColour(variant.bytes);
      expect(Math.max(red, green, blue) - Math.min(red, green, blue)).toBeLessThanOrEqual(2);
    }
  });
});

describe("transparency and animation", () => {
  it("keeps alpha in WebP and flattens JPEG onto white", async () => {
    // Left half fully transparent (black underneath), right half opaque blue.
    const opaque = await solid(100, 100, "#0000ff", 1).png().toBuffer();
    const image = solid(200, 100, "#000000", 0).composite([{ input: opaque, left: 100, top: 0 }]);
    const path = await images.save("alpha.png", image.png());
    const { variants } = await renderVariants(path, "chat");
    for (const webp of outputs(variants, "webp")) {
      const meta = await sharp(webp.bytes).metadata();
      expect([meta.hasAlpha, meta.icc]).toEqual([true, srgbProfile]);
      expect((await pixelAt(webp.bytes, 10, 50))[3]).toBe(0);
      expectColour(await pixelAt(webp.bytes, 190, 50), [0, 0, 255, 255], 12);
    }
    for (const jpeg of outputs(variants, "jpeg")) {
      expect((await sharp(jpeg.bytes).metadata()).hasAlpha).toBe(false);
      expectColour(await pixelAt(jpeg.bytes, 10, 50), [255, 255, 255], 3);
      expectColour(await pixelAt(jpeg.bytes, 190, 50), [0, 0, 255], 12);
    }
  });

  it("makes stills of an animated GIF's first frame", async () => {
    const gif = await animatedGif(60, 40, ["#ff0000", "#00ff00", "#0000ff"]);
    const path = await images.save("animated.gif", gif);
    expect((await sharp(path).metadata()).pages).toBe(3);
    const result = await renderVariants(path, "chat");
    expect(result).toMatchObject({ width: 60, height: 40 });
    for (const variant of result.variants) {
      const meta = await sharp(variant.bytes).metadata();
      expect([meta.pages ?? 1, meta.width, meta.height]).toEqual([1, 60, 40]);
      expectColour(await meanColour(variant.bytes), [255, 0, 0], 12);
    }
  });
});

describe("handing over outputs", () => {
  it("calls onVariant once per output, in order, one at a time", async () => {
    const calls: string[] = [];
    let busy = false;
    const result = await renderVariants(photo, "profile", async (variant) => {
      expect(busy).toBe(false); // the previous call had finished
      busy = true;
      calls.push(variant.name);
      await new Promise((resolve) => setTimeout(resolve, 5));
      busy = false;
    });
    expect(calls).toEqual(["1024-webp", "1024-jpeg", "256-webp", "256-jpeg", "64-webp", "64-jpeg"]);
    expect(result.variants.map((variant) => variant.name)).toEqual(calls);
  });

  it("stops with the caller's error when onVariant fails", async () => {
    let calls = 0;
    const failing = renderVariants(photo, "feed", () => {
      calls++;
      throw new Error("upload failed");
    });
    await expect(failing).rejects.toThrow("upload failed");
    expect(calls).toBe(1);
  });

  it("refuses an image over the pixel limit it is given", async () => {
    await expect(renderVariants(photo, "feed", undefined, { maxPixels: 1000 })).rejects.toThrow(
      /pixel limit/,
    );
  });
});
