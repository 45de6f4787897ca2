/**
 * What linking a resource grants. SST's defaults give `s3:*`, `dynamodb:*`, `events:*` and
 * `sns:*` on the linked resource, which would let a function delete a table or rewrite the
 * bucket's policy. Functions here get the data-plane actions they use, on that resource only.
 */
export const LINK_ACTIONS = {
  bus: ["events:PutEvents"],
  bucket: [
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
  ],
  bucketListing: ["s3:ListBucket"],
  table: [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
  ],
  topic: ["sns:Publish"],
} as const;

export function narrowLinkPermissions() {
  sst.Linkable.wrap(sst.aws.Bus, (bus) => ({
    properties: { name: bus.name, arn: bus.arn },
    include: [sst.aws.permission({ actions: [...LINK_ACTIONS.bus], resources: [bus.arn] })],
  }));
  sst.Linkable.wrap(sst.aws.Bucket, (bucket) => ({
    properties: { name: bucket.name },
    include: [
      sst.aws.permission({
        actions: [...LINK_ACTIONS.bucket],
        resources: [$interpolate`${bucket.arn}/*`],
      }),
      sst.aws.permission({ actions: [...LINK_ACTIONS.bucketListing], resources: [bucket.arn] }),
    ],
  }));
  sst.Linkable.wrap(sst.aws.Dynamo, (table) => ({
    properties: { name: table.name },
    include: [
      sst.aws.permission({
        actions: [...LINK_ACTIONS.table],
        resources: [table.arn, $interpolate`${table.arn}/index/*`],
      }),
    ],
  }));
  sst.Linkable.wrap(sst.aws.SnsTopic, (topic) => ({
    properties: { arn: topic.arn },
    include: [sst.aws.permission({ actions: [...LINK_ACTIONS.topic], resources: [topic.arn] })],
  }));
}
