import { z } from "zod";

// Field schemas shared by several contracts, so a file id or a variant means one thing everywhere.

export const FileId = z.uuid();
export const Text = z.string().min(1);
export const NonNegativeInt = z.number().int().nonnegative();
export const Pixels = z.number().int().positive();
export const Timestamp = z.iso.datetime();

/** Who a file belongs to and what it is for (e.g. purpose "profile", entityId the user id). */
export const FileSubject = {
  fileId: FileId,
  ownerId: Text,
  purpose: Text,
  entityId: Text,
};

/** One resized rendition of an image. */
export const Variant = z.object({
  name: Text,
  key: Text,
  width: Pixels,
  height: Pixels,
  format: z.enum(["webp", "jpeg", "png", "avif"]),
  size: NonNegativeInt,
});
export type Variant = z.infer<typeof Variant>;
