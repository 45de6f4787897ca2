import { z } from "zod";
import { defineContract } from "../contract.ts";
import { NonNegativeInt, Text } from "./fields.ts";

export const InvocationCompleted = defineContract({
  source: "platform.proxy",
  detailType: "proxy.invocation.completed",
  description: "The invoke-proxy finished (or refused) one synchronous call between services.",
  versions: {
    1: z.object({
      caller: Text,
      operation: Text,
      target: Text,
      mode: z.enum(["sync", "async"]),
      outcome: z.enum([
        "ok",
        "denied",
        "invalid_input",
        "target_failed",
        "timeout",
        "unknown_operation",
        "invalid_output",
      ]),
      durationMs: NonNegativeInt,
      requestBytes: NonNegativeInt,
      responseBytes: NonNegativeInt,
      errorCode: Text.optional(),
    }),
  },
});
