import { describe, expect, it } from "vitest";
import { invokeFailure } from "../../src/adapters/target.ts";

// Errors shaped as the Lambda SDK throws them: a name, a message, and sometimes a code or status.
const sdkError = (name: string, extra: object = {}) =>
  Object.assign(new Error(`${name} happened`), { name, ...extra });

describe("Lambda API failures", () => {
  it("names a target that does not exist", () => {
    expect(invokeFailure(sdkError("ResourceNotFoundException"), "Gone")).toEqual({
      kind: "failed",
      reason: "function_not_found",
      message:
        "the target function Gone does not exist (ResourceNotFoundException: ResourceNotFoundException happened)",
    });
  });

  it("recognises throttling by name or by status 429", () => {
    expect(invokeFailure(sdkError("TooManyRequestsException"), "T").reason).toBe("throttled");
    const status = sdkError("Whatever", { $metadata: { httpStatusCode: 429 } });
    expect(invokeFailure(status, "T")).toMatchObject({
      reason: "throttled",
      message: "Lambda throttled the call to T (Whatever: Whatever happened)",
    });
  });

  it("recognises a network failure by its system error code", () => {
    const refused = sdkError("Error", { code: "ECONNREFUSED" });
    expect(invokeFailure(refused, "T")).toMatchObject({
      reason: "network",
      message: "the Lambda API could not be reached for T (Error: Error happened)",
    });
  });

  it("keeps anything else as an SDK error with its name and message", () => {
    expect(invokeFailure(sdkError("KMSAccessDeniedException"), "T")).toEqual({
      kind: "failed",
      reason: "sdk_error",
      message: "invoking T failed (KMSAccessDeniedException: KMSAccessDeniedException happened)",
    });
    expect(invokeFailure("odd", "T").message).toBe("invoking T failed (Error: odd)");
  });
});
