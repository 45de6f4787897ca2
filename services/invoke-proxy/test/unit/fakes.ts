import { operationContracts } from "@platform/events";
import type { ProxyContext, ProxyPorts, TargetAnswer, TargetCall } from "../../src/ports.ts";
import type { CallRecord } from "../../src/record.ts";

export const FILE_ID = "5f0c2b5e-4c1d-4e53-9a55-0d3d4f1f7a10";

export const describeAnswer = {
  fileId: FILE_ID,
  key: `profile/u1/origin/${FILE_ID}_1.jpg`,
  contentType: "image/jpeg",
  state: "ready",
  image: { format: "jpeg", width: 640, height: 480, hasAlpha: false, pages: 1 },
};

/** Ports in memory: what the target got, what was logged and published. */
export function fakePorts(answer: (call: TargetCall) => Promise<TargetAnswer> | TargetAnswer) {
  const calls: TargetCall[] = [];
  const logs: string[] = [];
  const errors: string[] = [];
  const published: { record: CallRecord; causationId: string | null }[] = [];
  const ports: ProxyPorts = {
    operations: {
      "imaging.describe": { target: "ImagingDescribe", callers: ["upload"] },
      "audit.history": { target: "AuditHistory", callers: ["upload", "notify"] },
    },
    contracts: operationContracts,
    functionName: (target) =>
      ({ ImagingDescribe: "platform-ImagingDescribe", AuditHistory: "platform-AuditHistory" })[
        target
      ],
    async invokeTarget(call) {
      calls.push(call);
      return answer(call);
    },
    async publish(record, causationId) {
      published.push({ record, causationId });
    },
    writeLog: (line) => logs.push(line),
    writeError: (line) => errors.push(line),
    now: () => Date.now(),
    newId: () => "generated-id",
  };
  return { ports, calls, logs, errors, published };
}

export const answered = (payload: unknown): TargetAnswer => ({
  kind: "answered",
  payload: JSON.stringify(payload),
});

/** Waits until the call's signal stops it, as the Lambda SDK does. */
export const untilAborted = (call: TargetCall) =>
  new Promise<TargetAnswer>((resolve) =>
    call.signal.addEventListener("abort", () =>
      resolve({ kind: "failed", reason: "aborted", message: "stopped" }),
    ),
  );

export function fromCaller(
  caller: string | undefined,
  remainingMs = 60_000,
  ids: { correlationId?: string; causationId?: string | null } = {},
): ProxyContext {
  const custom = {
    caller,
    correlationId: ids.correlationId ?? "corr-1",
    causationId: ids.causationId ?? null,
  };
  return { clientContext: caller ? { custom } : undefined, remainingMs: () => remainingMs };
}

export const decodeContext = (base64: string) =>
  JSON.parse(Buffer.from(base64, "base64").toString("utf8"));
