import { z } from "zod";
import { FileId, NonNegativeInt, Pixels, Text, Timestamp, Variant } from "./contracts/fields.ts";
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
  description: "How far imaging has come with a file, and its variants once made.",
  input: z.object({ fileId: FileId }),
  output: z.object({
    fileId: FileId,
    status: z.enum(["pending", "processing", "ready", "rejected"]),
    progress: z.object({ done: NonNegativeInt, total: NonNegativeInt }),
    variants: z.array(Variant),
    original: z
      .object({
        key: Text,
        width: Pixels.optional(),
        height: Pixels.optional(),
        contentType: Text,
      })
      .optional(),
  }),
});

export const AuditHistory = defineOperation({
  name: "audit.history",
  description: "A file's or an actor's audit timeline, newest first, a page at a time.",
  input: z
    .object({
      fileId: FileId.optional(),
      actorId: Text.optional(),
      limit: z.number().int().min(1).max(100).default(50),
      cursor: Text.optional(),
    })
    .refine((query) => query.fileId !== undefined || query.actorId !== undefined, {
      error: "give a fileId or an actorId",
      path: ["fileId"],
    }),
  output: z.object({
    items: z.array(
      z.object({
        eventId: Text,
        at: Timestamp,
        actor: Actor,
        action: Text,
        fileId: Text.optional(),
        detail: z.unknown(),
      }),
    ),
    nextCursor: Text.optional(),
  }),
});

export const operationContracts = [DescribeImage, AuditHistory] as const;
