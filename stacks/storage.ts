import { TMP_PREFIX, uploadsBucketCors } from "@platform/manifest";
import type { PlatformConfig } from "./config.ts";

/**
 * The private upload bucket. SST blocks public access and denies plain HTTP by default; the
 * lifecycle removes abandoned uploads; every object event goes to EventBridge.
 */
export function createStorage(config: PlatformConfig) {
  const cors = uploadsBucketCors(config.corsOrigins);
  const bucket = new sst.aws.Bucket("Uploads", {
    enforceHttps: true,
    cors: {
      allowOrigins: cors.allowedOrigins,
      allowMethods: cors.allowedMethods,
      allowHeaders: cors.allowedHeaders,
      exposeHeaders: cors.exposeHeaders,
      maxAge: `${cors.maxAgeSeconds} seconds`,
    },
  });
  const lifecycle = new aws.s3.BucketLifecycleConfiguration("UploadsLifecycle", {
    bucket: bucket.name,
    rules: [
      {
        id: "expire-tmp",
        status: "Enabled",
        filter: { prefix: TMP_PREFIX },
        expiration: { days: config.tmpExpiryDays },
      },
      {
        id: "abort-incomplete-multipart",
        status: "Enabled",
        filter: { prefix: "" },
        abortIncompleteMultipartUpload: { daysAfterInitiation: config.tmpExpiryDays },
      },
    ],
  });
  const notification = new aws.s3.BucketNotification("UploadsEvents", {
    bucket: bucket.name,
    eventbridge: true,
  });
  return { bucket, lifecycle, notification };
}
