import { expect } from "vitest";

/** Matches an S3Error by code, and by message and details when given. */
export function s3Error(code: string, message?: string, details?: Record<string, unknown>) {
  return expect.objectContaining({
    code,
    ...(message === undefined ? {} : { message }),
    ...(details === undefined ? {} : { details: expect.objectContaining(details) }),
  });
}
