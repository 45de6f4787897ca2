import { Actor, DescribeImage, Variant } from "@platform/events";
import { z } from "zod";
import { ENTITY_ID } from "../keys.ts";
import { PURPOSE_NAMES } from "../purposes.ts";

// The public API's shapes: they validate requests, and /openapi.json is generated from them.

export const MAX_FILENAME_LENGTH = 1024;
export const DEFAULT_EXPIRES_IN = 300;
export const MAX_EXPIRES_IN = 3600;

export const FileId = z.uuid().describe("The file's id, chosen by the server.");
export const Purpose = z
  .enum(PURPOSE_NAMES)
  .describe("What the file is for; sets types and limits.");
export const EntityId = z
  .string()
  .regex(ENTITY_ID, "letters, digits, _ and - only, at most 128")
  .describe("Whose or which thing the file belongs to (a user, a chat room...).");

export const CreateUpload = z.strictObject({
  filename: z
    .string()
    .min(1)
    .max(MAX_FILENAME_LENGTH)
    .describe("The client's name for the file; stored as data, never used in a key."),
  contentType: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i,
      "a media type like image/jpeg",
    )
    .transform((type) => type.toLowerCase()),
  size: z.number().int().min(1).describe("Bytes the upload will send, exactly."),
  purpose: Purpose,
  entityId: EntityId.optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, "64 hex characters")
    .transform((hash) => hash.toLowerCase())
    .optional()
    .describe("Hex SHA-256 of the bytes; a PUT upload then must match it."),
  expiresIn: z
    .number()
    .int()
    .min(1)
    .max(MAX_EXPIRES_IN)
    .default(DEFAULT_EXPIRES_IN)
    .describe("Seconds the signed request stays valid."),
});

export const CreateUploadQuery = z.strictObject({
  method: z.enum(["post", "put"]).default("post"),
});

export const PostUpload = z.object({
  method: z.literal("POST"),
  url: z.url(),
  fields: z.record(z.string(), z.string()),
  expiresAt: z.iso.datetime(),
});
export const PutUpload = z.object({
  method: z.literal("PUT"),
  url: z.url(),
  headers: z.record(z.string(), z.string()),
  expiresAt: z.iso.datetime(),
});

export const Status = z.enum([
  "pending",
  "uploaded",
  "processing",
  "ready",
  "rejected",
  "deleted",
  "expired",
]);

export const UploadCreated = z.object({
  fileId: FileId,
  key: z.string(),
  status: Status,
  upload: z.discriminatedUnion("method", [PostUpload, PutUpload]),
});

export const FileView = z.object({
  fileId: FileId,
  purpose: Purpose,
  entityId: z.string(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  status: Status,
  progress: z.object({ done: z.number().int(), total: z.number().int() }),
  variants: z.array(Variant.omit({ key: true }).extend({ url: z.url() })),
  original: z.object({ url: z.url() }).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const ListFilesQuery = z.strictObject({
  purpose: Purpose.optional(),
  entityId: EntityId.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2048).optional(),
});

/** A file's view; with `?detail=true`, also the image as imaging reads it (null until it can). */
export const FileDetail = FileView.extend({
  detail: DescribeImage.output.shape.image.unwrap().nullable().optional(),
});

export const HistoryEntry = z.object({
  eventId: z.string(),
  at: z.iso.datetime(),
  action: z.string().describe("What happened: requested, uploaded, ready, deleted..."),
  actor: Actor,
});
export const History = z.object({
  items: z.array(HistoryEntry),
  nextCursor: z.string().optional(),
});

export const FileList = z.object({ items: z.array(FileView), nextCursor: z.string().optional() });

export const ContentQuery = z.strictObject({
  variant: z.string().min(1).max(64).default("original"),
});

export const FileIdParams = z.object({ fileId: FileId });

export const FileQuery = z.strictObject({
  // `?detail=true` adds what imaging reads from the image itself (dimensions, EXIF summary).
  detail: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
});

export const HistoryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(2048).optional(),
});

export const Deleted = z.object({ fileId: FileId, status: z.literal("deleted") });

export const MultipartStarted = z.object({ uploadId: z.string(), key: z.string() });
export const MultipartParams = z.object({ fileId: FileId, uploadId: z.string().min(1).max(1024) });
export const PartParams = MultipartParams.extend({
  partNumber: z.coerce.number().int().min(1).max(10_000),
});
/** S3's largest part. */
export const MAX_PART_BYTES = 5 * 1024 ** 3;
export const PartQuery = z.strictObject({
  size: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PART_BYTES)
    .optional()
    .describe("Bytes this part will send; signed, so S3 refuses a part of another length."),
});
export const PartUrl = z.object({ url: z.url(), expiresAt: z.iso.datetime() });
export const UploadedParts = z.object({
  parts: z.array(
    z.object({ PartNumber: z.number().int(), ETag: z.string(), Size: z.number().int() }),
  ),
});
export const CompleteMultipart = z.strictObject({
  parts: z
    .array(
      z.strictObject({ PartNumber: z.number().int().min(1).max(10_000), ETag: z.string().min(1) }),
    )
    .min(1)
    .max(10_000),
});
export const MultipartCompleted = z.object({ location: z.string() });

export const FormFiles = z.object({
  files: z.array(z.object({ fileId: FileId, key: z.string(), status: Status })),
});
