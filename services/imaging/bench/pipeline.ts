import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import sharp from "sharp";
import { renderVariants, variantCount } from "../src/variants.ts";

/**
 * The variants pipeline against the best plain-sharp baseline for the same work: a photo to the
 * feed's 6 outputs (320, 1080, 2048 wide; WebP and JPEG at the same settings), 2 images at a
 * time. The two run in alternating rounds so a busy machine slows both alike. Then the peak
 * memory of the pipeline on a 24 MP photo, measured in a fresh process so it is its own, and on
 * a long thin PNG sent as a profile picture, which must stay under a bound.
 */
const PURPOSE = "feed";
const PARALLEL = 2;
const ROUNDS = 6;
const IMAGES_PER_ROUND = 5;
const TARGET_RATIO = 0.9;
/** 100 MP allowed, yet a few MB of PNG: the square crop must not hold the strip whole. */
const STRIP = { width: 100_000, height: 1_000 };
const STRIP_PEAK_LIMIT = 512 * 2 ** 20;

/** Noise over a diagonal colour gradient: compresses like a photo, not like a flat fill. */
export async function photo(width: number, height: number): Promise<Buffer> {
  const noise = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: "#808080",
      noise: { type: "gaussian", mean: 128, sigma: 50 },
    },
  })
    .blur(1.5)
    .raw()
    .toBuffer();
  const gradient = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="#1d4e89"/>
    <stop offset="0.5" stop-color="#f2c14e"/><stop offset="1" stop-color="#2f7d32"/></linearGradient>
    <rect width="100%" height="100%" fill="url(#g)"/></svg>`;
  return sharp(Buffer.from(gradient))
    .composite([{ input: noise, raw: { width, height, channels: 3 }, blend: "overlay" }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * The baseline from the notes, at its best: decode and resize once to 2048, then all six
 * outputs from that raw image at once. No orientation, colour management or ordering.
 */
async function baseline(path: string): Promise<void> {
  const { data, info } = await sharp(path)
    .resize(2048, 2048, { fit: "inside", withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  await Promise.all(
    [2048, 1080, 320].flatMap((size) => {
      const resized = () =>
        sharp(data, { raw }).resize(size, size, { fit: "inside", withoutEnlargement: true });
      return [
        resized().webp({ quality: 80, effort: 2 }).toBuffer(),
        resized().jpeg({ quality: 80, progressive: true, mozjpeg: false }).toBuffer(),
      ];
    }),
  );
}

async function pipeline(path: string, purpose = PURPOSE): Promise<void> {
  await renderVariants(path, purpose);
}

/** A flat strip with red blocks along it: compresses to little, decodes to 300 MB. */
async function strip(width: number, height: number): Promise<Buffer> {
  const side = Math.min(200, height);
  const block = await sharp({
    create: { width: side, height: side, channels: 3, background: "#d22" },
  })
    .png()
    .toBuffer();
  const blocks = Array.from({ length: 20 }, (_, i) => ({
    input: block,
    left: Math.floor((i * width) / 20),
    top: 0,
  }));
  return sharp({ create: { width, height, channels: 3, background: "#789" } })
    .composite(blocks)
    .png()
    .toBuffer();
}

/** Seconds to process `count` images, PARALLEL at a time. */
async function timed(work: (path: string) => Promise<void>, path: string, count: number) {
  let started = 0;
  const begin = performance.now();
  const worker = async () => {
    while (started++ < count) await work(path);
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return (performance.now() - begin) / 1000;
}

type Contender = "baseline" | "pipeline";
type CacheLimits = { memory: number; files: number; items: number };

/** The cache limits variants.ts set at load, to restore for the pipeline's rounds. */
function pipelineCache(): CacheLimits {
  const { memory, files, items } = sharp.cache();
  return { memory: memory.max, files: files.max, items: items.max };
}

/** The baseline runs with sharp's default cache; concurrency is the same for both. */
function use(contender: Contender, cache: CacheLimits) {
  sharp.cache(contender === "baseline" ? true : cache);
}

async function throughput(label: string, path: string, cache: CacheLimits) {
  const seconds = { baseline: 0, pipeline: 0 };
  const contenders = { baseline, pipeline };
  for (const name of ["baseline", "pipeline"] as const) {
    use(name, cache);
    await timed(contenders[name], path, PARALLEL); // warm-up
  }
  const roundRatios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate who goes first, so neither always follows the other's garbage.
    const order =
      round % 2 === 0 ? (["baseline", "pipeline"] as const) : (["pipeline", "baseline"] as const);
    const took = { baseline: 0, pipeline: 0 };
    for (const name of order) {
      use(name, cache);
      took[name] = await timed(contenders[name], path, IMAGES_PER_ROUND);
      seconds[name] += took[name];
    }
    roundRatios.push(took.baseline / took.pipeline);
  }
  use("pipeline", cache);
  const images = ROUNDS * IMAGES_PER_ROUND;
  const outputs = variantCount(PURPOSE);
  const rate = (name: keyof typeof seconds) => images / seconds[name];
  const line = (name: keyof typeof seconds) =>
    `  ${name.padEnd(9)} ${rate(name).toFixed(2)} images/s  ${(rate(name) * outputs).toFixed(1)} outputs/s`;
  const ratio = rate("pipeline") / rate("baseline");
  console.log(
    `\n${label}: ${images} images each, ${PARALLEL} at a time, ${outputs} outputs per image\n` +
      `${line("baseline")}\n${line("pipeline")}\n` +
      `  ratio     ${ratio.toFixed(2)} (target >= ${TARGET_RATIO.toFixed(2)}; ` +
      `rounds of ${IMAGES_PER_ROUND} ranged ${Math.min(...roundRatios).toFixed(2)}-${Math.max(...roundRatios).toFixed(2)})`,
  );
}

const run = promisify(execFile);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Runs in a child process: one image through one contender, then reports the peak RSS. */
async function measurePeak(contender: string, path: string, purpose: string) {
  const idle = process.memoryUsage().rss;
  await (contender === "baseline" ? baseline(path) : pipeline(path, purpose));
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ idle, peak }));
}

async function childPeak(contender: string, path: string, purpose = PURPOSE) {
  const script = fileURLToPath(import.meta.url);
  const child = [...process.execArgv, script, "peak", contender, path, purpose];
  const { stdout } = await run(process.execPath, child);
  const { idle, peak } = JSON.parse(stdout) as { idle: number; peak: number };
  console.log(
    `  ${contender.padEnd(9)} ${mb(peak)} (${mb(idle)} before the image: ${mb(peak - idle)} for it)`,
  );
  return peak;
}

async function peakMemory(label: string, path: string) {
  console.log(`\npeak RSS, ${label} processed alone in a fresh process:`);
  for (const contender of ["pipeline", "baseline"]) await childPeak(contender, path);
}

/** Fails the bench when a long strip to square variants takes more than the bound. */
async function stripPeakMemory(path: string) {
  const { width, height } = STRIP;
  console.log(`\npeak RSS, ${width}x${height} PNG to profile's 6 squares, alone:`);
  const peak = await childPeak("pipeline", path, "profile");
  if (peak > STRIP_PEAK_LIMIT) {
    throw new Error(`a long strip took ${mb(peak)}, over the bound of ${mb(STRIP_PEAK_LIMIT)}`);
  }
  console.log(`  within the bound of ${mb(STRIP_PEAK_LIMIT)}`);
}

export async function benchPipeline(): Promise<void> {
  const cache = pipelineCache();
  const dir = await mkdtemp(join(tmpdir(), "imaging-bench-"));
  try {
    const photos = { "12 MP": join(dir, "12mp.jpg"), "24 MP": join(dir, "24mp.jpg") };
    await writeFile(photos["12 MP"], await photo(4000, 3000));
    await writeFile(photos["24 MP"], await photo(6000, 4000));
    const longStrip = join(dir, "strip.png");
    await writeFile(longStrip, await strip(STRIP.width, STRIP.height));
    console.log(
      `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}; concurrency ` +
        `${sharp.concurrency()} for both; cache: pipeline ${cache.memory} MB, baseline sharp's default`,
    );
    await peakMemory("24 MP JPEG (6000x4000) to feed's 6 outputs", photos["24 MP"]);
    await stripPeakMemory(longStrip);
    await throughput("12 MP JPEG (4000x3000)", photos["12 MP"], cache);
    await throughput("24 MP JPEG (6000x4000)", photos["24 MP"], cache);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (
  resolve(process.argv[1] ?? "") === fileURLToPath(import.meta.url) &&
  process.argv[2] === "peak"
) {
  await measurePeak(
    process.argv[3] ?? "pipeline",
    process.argv[4] ?? "",
    process.argv[5] ?? PURPOSE,
  );
}
