import { randomUUID } from "node:crypto";
import type { S3BusEvent } from "./ports.ts";

/**
 * S3's "Object Created" / "Object Deleted" events as S3 puts them on EventBridge, field for field
 * (and in the same order) as the sample recorded from AWS in
 * shared/conformance/aws-event-samples/s3-to-eventbridge.snapshot.json.
 */

export type CreatedReason = "PutObject" | "POST Object" | "CopyObject" | "CompleteMultipartUpload";

export interface EventContext {
  account: string;
  region: string;
  requestId: string;
  /** The caller's address, without the IPv4-mapped-IPv6 prefix. */
  sourceIp: string;
  time: Date;
}

/** AWS writes event times to the second: "2025-01-21T23:25:10Z". */
export const eventTime = (time: Date) => time.toISOString().replace(/\.\d{3}Z$/, "Z");

function envelope(
  detailType: S3BusEvent["detail-type"],
  bucket: string,
  context: EventContext,
  detail: Record<string, unknown>,
): S3BusEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": detailType,
    source: "aws.s3",
    account: context.account,
    time: eventTime(context.time),
    region: context.region,
    resources: [`arn:aws:s3:::${bucket}`],
    detail,
  };
}

export function objectCreated(
  bucket: string,
  object: { key: string; size: number; etag: string; sequencer: string },
  reason: CreatedReason,
  context: EventContext,
): S3BusEvent {
  return envelope("Object Created", bucket, context, {
    version: "0",
    bucket: { name: bucket },
    object: {
      key: object.key,
      size: object.size,
      etag: object.etag.replaceAll('"', ""),
      sequencer: object.sequencer,
    },
    "request-id": context.requestId,
    requester: context.account,
    "source-ip-address": context.sourceIp,
    reason,
  });
}

export function objectDeleted(
  bucket: string,
  object: { key: string; sequencer: string },
  context: EventContext,
): S3BusEvent {
  return envelope("Object Deleted", bucket, context, {
    version: "0",
    bucket: { name: bucket },
    object: { key: object.key, sequencer: object.sequencer },
    "request-id": context.requestId,
    requester: context.account,
    "source-ip-address": context.sourceIp,
    reason: "DeleteObject",
    "deletion-type": "Permanently Deleted",
  });
}
