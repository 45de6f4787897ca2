import { DescribeImage, on, S3ObjectCreated } from "@platform/events";
import { defineService } from "@platform/manifest";

/**
 * The imaging service: turns each image under tmp/ into the purpose's variants with sharp,
 * promotes the original, and refuses hostile files. Publishes imaging.progress.updated,
 * imaging.variants.created and imaging.file.rejected.
 */
export default defineService({
  name: "imaging",
  description: "Makes variants of uploaded images and promotes originals out of tmp/.",
  functions: {
    process: {
      handler: "src/handlers/process.handler",
      description: "Checks, resizes and promotes one uploaded object.",
      memory: "2048 MB",
      timeout: "2 minutes",
      install: ["sharp"],
      link: ["Uploads", "Bus", "ImagingJobs"],
    },
    describe: {
      handler: "src/handlers/describe.handler",
      description:
        "Answers imaging.describe: an image's dimensions, format, orientation, alpha and EXIF summary.",
      install: ["sharp"],
      link: ["ImagingJobs", "Uploads"],
    },
  },
  subscriptions: {
    processUploads: {
      description: "An object arrived under tmp/.",
      function: "process",
      events: on(S3ObjectCreated, { object: { key: [{ prefix: "tmp/" }] } }),
      retry: { maximumRetryAttempts: 4, maximumEventAgeSeconds: 3600 },
    },
  },
  operations: {
    "imaging.describe": { contract: DescribeImage, function: "describe", callers: ["upload"] },
  },
  tables: {
    ImagingJobs: {
      description:
        "Processing state per object, and the idempotency records that make retries safe.",
      fields: { id: "string" },
      primaryIndex: { hashKey: "id" },
      ttl: "expiration",
    },
  },
});
