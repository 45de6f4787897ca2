import { PutObjectCommand } from "@aws-sdk/client-s3";
import { startTestCloud } from "@platform/local-cloud";
import imaging from "../service.ts";
import { photo } from "./pipeline.ts";

/**
 * On the local platform: the time from an S3 PUT of a 12 MP JPEG under tmp/ until imaging has
 * published imaging.variants.created (and every delivery in flight has finished), one upload at
 * a time, so the figure is one file's latency, not a queue's.
 */
const SAMPLES = 12;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export async function benchPlatform(): Promise<void> {
  const cloud = await startTestCloud({ manifests: [imaging], concurrency: 2 });
  try {
    const bytes = await photo(4000, 3000);
    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES + 1; i++) {
      const key = `tmp/feed/bench/${crypto.randomUUID()}_${Date.now()}.jpg`;
      const started = performance.now();
      await cloud.s3.send(
        new PutObjectCommand({
          Bucket: cloud.names.bucket,
          Key: key,
          Body: bytes,
          ContentType: "image/jpeg",
        }),
      );
      await cloud.settle();
      // The first run warms the worker (module load, sharp): not a sample.
      if (i > 0) latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `\nlocal platform: S3 PUT of a 12 MP JPEG (${(bytes.length / 1e6).toFixed(1)} MB) to ` +
        `imaging.variants.created (feed: 6 outputs), ${SAMPLES} samples\n` +
        `  p50 ${percentile(latencies, 50).toFixed(0)} ms   p95 ${percentile(latencies, 95).toFixed(0)} ms`,
    );
  } finally {
    await cloud.stop();
  }
}
