import { z } from "zod";
import { FileId, Pixels, Text, Timestamp } from "./contracts/fields.ts";
import { Actor } from "./envelope.ts";

/** A synchronous call one service exposes to others through the invoke-proxy. */
export interface OperationContract<
  Name extends string = string,
  Input extends z.ZodType = z.ZodType,
  Output extends z.ZodType = z.ZodType,
> {
  readonly kind: "operation";
  readonly name: Name;
  readonly description: string;
  readonly input: Input;
  readonly output: Output;
}

/** What a caller sends (before defaults apply) and what the target returns. */
export type OperationInput<O extends OperationContract> = z.input<O["input"]>;
export type OperationOutput<O extends OperationContract> = z.output<O["output"]>;

export function defineOperation<
  const Name extends string,
  Input extends z.ZodType,
  Output extends z.ZodType,
>(definition: {
  name: Name;
  description: string;
  input: Input;
  output: Output;
}): OperationContract<Name, Input, Output> {
  return { kind: "operation", ...definition };
}

export const DescribeImage = defineOperation({
  name: "imaging.describe",
  description:
    "What an uploaded image is: dimensions, format, orientation, alpha and an EXIF summary.",
  input: z.object({ fileId: FileId }),
  output: z.object({
    fileId: FileId,
    // The object described: the promoted original, or the upload still under tmp/.
    key: Text,
    contentType: Text,
    state: z.enum(["processing", "ready", "rejected"]),
    // Absent for a file that is not an image (a PDF in a chat).
    image: z
      .object({
        format: Text,
        // As stored; `orientation` (EXIF, 1-8) says how to turn it for display.
        width: Pixels,
        height: Pixels,
        orientation: z.number().int().min(1).max(8).optional(),
        hasAlpha: z.boolean(),
        pages: Pixels,
        space: Text.optional(),
        exif: z
          .object({
            make: Text.optional(),
            model: Text.optional(),
            takenAt: Text.optional(),
            software: Text.optional(),
            hasGps: z.boolean(),
          })
          .optional(),
      })
      .optional(),
  }),
});

export const AuditHistory = defineOperation({
  name: "audit.history",
  description:
    "A file's or an actor's audit timeline, oldest first (a timeline reads forward), a page at a time.",
  input: z
    .object({
      fileId: FileId.optional(),
      actorId: Text.optional(),
      // Whose id actorId is: a user's unless said otherwise.
      actorType: Actor.shape.type.optional(),
      limit: z.number().int().min(1).max(100).default(50),
      // The nextCursor of an earlier page of the same query, as it was returned.
      cursor: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,2048}$/, "expected the nextCursor of an earlier page")
        .optional(),
    })
    .refine((query) => query.fileId !== undefined || query.actorId !== undefined, {
      error: "give a fileId or an actorId",
      path: ["fileId"],
    })
    .refine((query) => query.fileId === undefined || query.actorId === undefined, {
      error: "give a fileId or an actorId, not both",
      path: ["actorId"],
    })
    .refine((query) => query.actorType === undefined || query.actorId !== undefined, {
      error: "actorType only qualifies an actorId",
      path: ["actorType"],
    }),
  output: z.object({
    items: z.array(
      z.object({
        eventId: Text,
        at: Timestamp,
        actor: Actor,
        // A short verb: "requested", "uploaded", "object.created", "call".
        action: Text,
        // The event's detail-type.
        type: Text.optional(),
        fileId: Text.optional(),
        detail: z.unknown(),
      }),
    ),
    nextCursor: Text.optional(),
  }),
});

export const operationContracts = [DescribeImage, AuditHistory] as const;
