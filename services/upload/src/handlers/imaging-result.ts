import {
  ImagingFileRejected,
  ImagingProgressUpdated,
  parse,
  VariantsCreated,
} from "@platform/events";
import { livePorts } from "../adapters/live.ts";
import { type ImagingResult, imagingResult } from "../consumers/imaging-results.ts";

/** imaging.progress.updated, imaging.variants.created and imaging.file.rejected. */
export const handler = async (raw: unknown) => {
  const event = parse([ImagingProgressUpdated, VariantsCreated, ImagingFileRejected], raw);
  let result: ImagingResult;
  if (event.detailType === "imaging.progress.updated") {
    const { fileId, done, total } = event.detail.data;
    result = { kind: "progress", fileId, done, total };
  } else if (event.detailType === "imaging.variants.created") {
    const { fileId, original, variants } = event.detail.data;
    result = { kind: "variants", fileId, original, variants };
  } else {
    const { fileId, reason, message } = event.detail.data;
    result = { kind: "rejected", fileId, code: reason, message };
  }
  const outcome = await imagingResult(livePorts(), result, event.detail.metadata.eventId);
  console.log(
    JSON.stringify({ level: "info", message: event.detailType, fileId: result.fileId, outcome }),
  );
  return { outcome };
};
