/** An SNS error as the awsQuery protocol reports it: its code, HTTP status and message. */
export class SnsError extends Error {
  override readonly name = "SnsError";
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** `Sender` (the caller's fault) or `Receiver` (ours), as the error XML's Type says. */
    readonly fault: "Sender" | "Receiver" = "Sender",
  ) {
    super(message);
  }
}

export const invalidParameter = (message: string) => new SnsError("InvalidParameter", message);

/** SNS's code for a bad message attribute (the SDK's InvalidParameterValueException). */
export const parameterValueInvalid = (message: string) =>
  new SnsError("ParameterValueInvalid", message);

export const topicNotFound = () => new SnsError("NotFound", "Topic does not exist", 404);

export const subscriptionNotFound = () =>
  new SnsError("NotFound", "Subscription does not exist", 404);

/** A required parameter left out, in the words AWS's request validation uses. */
export const missingParameter = (name: string) =>
  new SnsError(
    "ValidationError",
    `1 validation error detected: Value null at '${name[0]?.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
  );
