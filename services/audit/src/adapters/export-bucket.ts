import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { ExportBucket } from "../ports.ts";

export function exportBucket(client: S3Client, bucket: string): ExportBucket {
  return {
    bucket,
    async put(key, body) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: "application/x-ndjson",
        }),
      );
    },
  };
}
