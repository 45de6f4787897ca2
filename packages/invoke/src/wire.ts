import { z } from "zod";

/**
 * What the client and the invoke-proxy say to each other, and what the proxy tells a target.
 * The client always invokes the proxy RequestResponse with a ProxyRequest payload and a
 * CallerContext as Lambda's ClientContext; the proxy answers a ProxyAnswer.
 */

export const INVOKE_ERROR_CODES = [
  "denied",
  "invalid_input",
  "target_failed",
  "timeout",
  "unknown_operation",
] as const;
export const InvokeErrorCode = z.enum(INVOKE_ERROR_CODES);
export type InvokeErrorCode = z.infer<typeof InvokeErrorCode>;

export const InvokeMode = z.enum(["sync", "async"]);
export type InvokeMode = z.infer<typeof InvokeMode>;

/** Lambda's own limit on a function's run time: no call can usefully wait longer. */
export const MAX_TIMEOUT_MS = 900_000;
export const DEFAULT_TIMEOUT_MS = 10_000;

export const ProxyRequest = z.object({
  operation: z.string().min(1).max(128),
  input: z.unknown().optional(),
  mode: InvokeMode.default("sync"),
  timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS).default(DEFAULT_TIMEOUT_MS),
});
export type ProxyRequest = z.input<typeof ProxyRequest>;

// Ids travel in ClientContext, which Lambda caps at 3,583 bytes of base64.
const Id = z.string().min(1).max(256);

/** The caller's half of ClientContext: who calls, and the chain the call belongs to. */
export const CallerContext = z.object({
  custom: z.object({
    caller: z.string().min(1).max(128),
    correlationId: Id,
    causationId: Id.nullable().default(null),
  }),
});
export type CallerContext = z.infer<typeof CallerContext>;

/** What a target finds in its Lambda context's clientContext (sync calls only: see README). */
export const CallContext = z.object({
  custom: z.object({
    caller: z.string().min(1),
    operation: z.string().min(1).max(128),
    correlationId: Id,
    causationId: Id.nullable(),
  }),
});
export type CallContext = z.infer<typeof CallContext>["custom"];

/** For a target: the call's caller and ids, when the proxy invoked it synchronously. */
export function callContextOf(context: { clientContext?: unknown }): CallContext | undefined {
  const parsed = CallContext.safeParse(context.clientContext);
  return parsed.success ? parsed.data.custom : undefined;
}

export const Issue = z.object({ path: z.string(), message: z.string() });
export type Issue = z.infer<typeof Issue>;

export const ProxyAnswer = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), output: z.unknown().optional() }),
  z.object({
    ok: z.literal(false),
    error: z.object({
      code: InvokeErrorCode,
      message: z.string(),
      issues: z.array(Issue).optional(),
    }),
  }),
]);
export type ProxyAnswer = z.infer<typeof ProxyAnswer>;

/** ClientContext's wire form: base64 of the JSON. */
export function encodeClientContext(context: unknown): string {
  return Buffer.from(JSON.stringify(context), "utf8").toString("base64");
}

/** Zod issues as `path: message` pairs, paths relative to what was checked (`items[0].id`). */
export function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({
    path: issue.path
      .map((key, i) =>
        typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`,
      )
      .join(""),
    message: issue.message,
  }));
}
