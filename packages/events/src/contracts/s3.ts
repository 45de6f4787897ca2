import { z } from "zod";
import { defineAwsContract } from "../contract.ts";

// S3's events as EventBridge delivers them (source "aws.s3", on the account's default bus).
// Shapes follow https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html and the
// captured sample in shared/conformance/aws-event-samples/s3-to-eventbridge.snapshot.json.

const Bucket = z.object({ name: z.string().min(1) });

const CommonDetail = {
  version: z.string(),
  // Newer deliveries carry a schema version for the detail itself; older ones do not.
  "event-version": z.string().optional(),
  bucket: Bucket,
  "request-id": z.string(),
  requester: z.string(),
};

export const S3ObjectCreatedDetail = z.object({
  ...CommonDetail,
  object: z.object({
    key: z.string().min(1),
    size: z.number().int().nonnegative(),
    etag: z.string(),
    // Only on versioned buckets.
    "version-id": z.string().optional(),
    sequencer: z.string(),
  }),
  "source-ip-address": z.string(),
  reason: z.enum(["PutObject", "POST Object", "CopyObject", "CompleteMultipartUpload"]),
});
export type S3ObjectCreatedDetail = z.infer<typeof S3ObjectCreatedDetail>;

export const S3ObjectDeletedDetail = z.object({
  ...CommonDetail,
  object: z.object({
    key: z.string().min(1),
    etag: z.string().optional(),
    "version-id": z.string().optional(),
    sequencer: z.string(),
  }),
  // Lifecycle expirations are done by S3 itself, with no client address.
  "source-ip-address": z.string().optional(),
  reason: z.enum(["DeleteObject", "Lifecycle Expiration"]),
  "deletion-type": z.enum(["Permanently Deleted", "Delete Marker Created"]),
});
export type S3ObjectDeletedDetail = z.infer<typeof S3ObjectDeletedDetail>;

export const S3ObjectCreated = defineAwsContract({
  source: "aws.s3",
  detailType: "Object Created",
  detail: S3ObjectCreatedDetail,
  description: "S3 stored an object (PUT, POST, copy or multipart completion).",
});

export const S3ObjectDeleted = defineAwsContract({
  source: "aws.s3",
  detailType: "Object Deleted",
  detail: S3ObjectDeletedDetail,
  description: "S3 deleted an object, by API call or lifecycle expiration.",
});
