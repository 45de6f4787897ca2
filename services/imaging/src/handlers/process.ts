import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { parse, S3ObjectCreated } from "@platform/events";
import { dynamodb } from "../adapters/clients.ts";
import { livePorts } from "../adapters/live.ts";
import { linkedName } from "../adapters/resources.ts";
import { type ArrivedObject, processObject } from "../process.ts";

/** The part of Lambda's context the idempotency layer reads (to bound an in-progress lock). */
type Context = { getRemainingTimeInMillis(): number };

// A repeated delivery of the same object version (bucket, key, ETag) returns the first run's
// outcome without redoing work. A concurrent one does not wait: it fails with
// IdempotencyAlreadyInProgressError and the asynchronous invoke is retried later (harmless if
// it is still in progress then: the first run does the work). A failed run leaves no record,
// so the retry runs again, resuming from the file's job.
const processOnce = makeIdempotent(
  async (object: ArrivedObject, _context: Context) => ({
    outcome: await processObject(livePorts(), object),
  }),
  {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: linkedName("ImagingJobs"),
      awsSdkV3Client: dynamodb,
    }),
    config: new IdempotencyConfig({ eventKeyJmesPath: "[bucket, key, etag]" }),
  },
);

/** S3's Object Created under tmp/: check, render, promote, announce. */
export const handler = async (raw: unknown, context: Context) => {
  const { detail } = parse(S3ObjectCreated, raw);
  const object = {
    bucket: detail.bucket.name,
    key: detail.object.key,
    etag: detail.object.etag,
    size: detail.object.size,
  };
  const result = await processOnce(object, context);
  console.log(JSON.stringify({ level: "info", message: "processed", key: object.key, ...result }));
  return result;
};
