import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { conditional, isConditionFailure } from "../../src/adapters/conditional.ts";

const refused = () => new ConditionalCheckFailedException({ message: "refused", $metadata: {} });

describe("conditional writes", () => {
  it("knows DynamoDB's refusal by its class, not by a name any error may carry", () => {
    expect(isConditionFailure(refused())).toBe(true);
    const lookalike = Object.assign(new Error("x"), { name: "ConditionalCheckFailedException" });
    expect(isConditionFailure(lookalike)).toBe(false);
  });

  it("answers false to a refused condition and rethrows anything else", async () => {
    expect(await conditional(async () => "written")).toBe(true);
    expect(
      await conditional(async () => {
        throw refused();
      }),
    ).toBe(false);
    await expect(
      conditional(async () => {
        throw new Error("table unreachable");
      }),
    ).rejects.toThrow("table unreachable");
  });
});
