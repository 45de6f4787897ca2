import { parse, S3ObjectCreated } from "@platform/events";
import { livePorts } from "../adapters/live.ts";
import { objectCreated } from "../consumers/object-created.ts";

/** S3's Object Created under tmp/: marks the file uploaded (or rejected) after checking it. */
export const handler = async (raw: unknown) => {
  const event = parse(S3ObjectCreated, raw);
  const { bucket, object } = event.detail;
  const outcome = await objectCreated(livePorts(), {
    bucket: bucket.name,
    key: object.key,
    size: object.size,
    etag: object.etag,
    eventId: event.id,
  });
  console.log(
    JSON.stringify({ level: "info", message: "object created", key: object.key, outcome }),
  );
  return { outcome };
};
