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
      ]),
      durationMs: NonNegativeInt,
      requestBytes: NonNegativeInt,
      responseBytes: NonNegativeInt,
      // Finer than the outcome: e.g. target_failed with "invalid_output" or "function_error".
      errorCode: Text.optional(),
    }),
  },
});
