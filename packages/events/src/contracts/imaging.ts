import { z } from "zod";
import { defineContract } from "../contract.ts";
import { FileId, NonNegativeInt, Pixels, Text, Variant } from "./fields.ts";

const source = "platform.imaging";

export const ImagingProgressUpdated = defineContract({
  source,
  detailType: "imaging.progress.updated",
  description: "Imaging finished one more step for a file (clients poll or are pushed this).",
  versions: {
    1: z
      .object({
        fileId: FileId,
        bucket: Text,
        sourceKey: Text,
        done: NonNegativeInt,
        total: NonNegativeInt,
        variant: Text.optional(),
      })
      .refine((progress) => progress.done <= progress.total, {
        error: "done must not exceed total",
        path: ["done"],
      }),
  },
});

export const VariantsCreated = defineContract({
  source,
  detailType: "imaging.variants.created",
  description: "All variants of an image were written; upload promotes the file next.",
  versions: {
    1: z.object({
      fileId: FileId,
      bucket: Text,
      sourceKey: Text,
      purpose: Text,
      entityId: Text,
      original: z.object({
        key: Text,
        size: NonNegativeInt,
        contentType: Text,
        width: Pixels.optional(),
        height: Pixels.optional(),
      }),
      variants: z.array(Variant),
    }),
  },
});

export const ImagingFileRejected = defineContract({
  source,
  detailType: "imaging.file.rejected",
  description: "Imaging refused a file after reading its bytes.",
  versions: {
    1: z.object({
      fileId: FileId,
      bucket: Text,
      sourceKey: Text,
      purpose: Text,
      entityId: Text,
      reason: z.enum([
        "not_an_image",
        "type_mismatch",
        "too_many_pixels",
        "corrupt",
        "unsupported",
      ]),
      message: Text,
      // What the magic bytes say the file is, when that is why it was refused.
      detectedType: Text.optional(),
    }),
  },
});
