import { FileDeleted, parse } from "@platform/events";
import { livePorts } from "../adapters/live.ts";

/** upload.file.deleted: removes every object the file had. Deleting twice is harmless. */
export const handler = async (raw: unknown) => {
  const event = parse(FileDeleted, raw);
  await livePorts().storage.deleteAll(event.detail.data.keys);
  return { deleted: event.detail.data.keys.length };
};
