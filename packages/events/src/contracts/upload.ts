import { z } from "zod";
import { defineContract } from "../contract.ts";
import { FileSubject, NonNegativeInt, Text, Timestamp, Variant } from "./fields.ts";

const source = "platform.upload";

export const FileRequested = defineContract({
  source,
  detailType: "upload.file.requested",
  description: "A client asked to upload a file; the row is recorded before the URL is signed.",
  versions: {
    1: z.object({
      ...FileSubject,
      bucket: Text,
      key: Text,
      filename: Text,
      contentType: Text,
      size: NonNegativeInt,
      sha256: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, "expected 64 hex characters")
        .optional(),
      method: z.enum(["POST", "PUT", "multipart", "form"]),
      expiresAt: Timestamp,
    }),
  },
});

export const FileUploaded = defineContract({
  source,
  detailType: "upload.file.uploaded",
  description: "The bytes of a requested file arrived under the temporary prefix.",
  versions: {
    1: z.object({
      ...FileSubject,
      bucket: Text,
      key: Text,
      size: NonNegativeInt,
      etag: Text,
      contentType: Text,
    }),
  },
});

export const FileReady = defineContract({
  source,
  detailType: "upload.file.ready",
  description: "A file was promoted to its permanent key and its variants are available.",
  versions: {
    1: z.object({
      ...FileSubject,
      original: z.object({ key: Text, size: NonNegativeInt, contentType: Text }),
      variants: z.array(Variant),
    }),
  },
});

export const FileRejected = defineContract({
  source,
  detailType: "upload.file.rejected",
  description:
    "An uploaded file was refused (wrong type, too large, ...) and will not be promoted.",
  versions: {
    1: z.object({
      ...FileSubject,
      // A stable code clients can branch on, e.g. "not_an_image".
      reason: Text,
      message: Text,
    }),
  },
});

export const FileDeleted = defineContract({
  source,
  detailType: "upload.file.deleted",
  description: "A file and all its stored objects were deleted.",
  versions: {
    1: z.object({ ...FileSubject, keys: z.array(Text) }),
  },
});

export const FileExpired = defineContract({
  source,
  detailType: "upload.file.expired",
  description:
    "An upload was abandoned: the URL expired unused, or the temporary object was swept.",
  versions: {
    1: z.object({
      ...FileSubject,
      key: Text,
      // "pending": never uploaded before the URL expired; "tmp": uploaded but never promoted.
      stage: z.enum(["pending", "tmp"]),
    }),
  },
});
