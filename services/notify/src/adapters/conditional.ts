import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/** A conditional write refused because its condition did not hold (the only failure expected). */
export const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException;

/** Runs a conditional write; false when its condition did not hold. */
export async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
