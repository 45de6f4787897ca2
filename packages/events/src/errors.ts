import type { z } from "zod";
import { type AnyPlatformContract, supportedVersions } from "./contract.ts";

export interface ValidationIssue {
  /** Where in the EventBridge event, e.g. `detail.data.size` or `detail.data.variants[0].width`. */
  path: string;
  message: string;
}

/** An event (received or about to be published) that does not match its contract. */
export class EventValidationError extends Error {
  override readonly name = "EventValidationError";
  readonly detailType: string | undefined;
  readonly issues: ValidationIssue[];

  constructor(
    detailType: string | undefined,
    issues: ValidationIssue[],
    summary = `invalid ${detailType ?? "event"}`,
  ) {
    const list = issues.map((issue) => `${issue.path || "(event)"}: ${issue.message}`);
    super(`${summary}: ${list.join("; ")}`);
    this.detailType = detailType;
    this.issues = issues;
  }
}

/** An entry bigger than PutEvents accepts; it was not sent. */
export class EventTooLargeError extends Error {
  override readonly name = "EventTooLargeError";
  readonly detailType: string;
  readonly size: number;
  readonly limit: number;

  constructor(detailType: string, size: number, limit: number) {
    super(`${detailType} event is ${size} bytes, over the PutEvents entry limit of ${limit} bytes`);
    this.detailType = detailType;
    this.size = size;
    this.limit = limit;
  }
}

export interface FailedEntry {
  /** Position of the event in the list given to publishAll. */
  index: number;
  detailType: string;
  /** The event's own id (metadata.eventId); EventBridge never assigned one. */
  eventId: string;
  errorCode: string;
  errorMessage: string;
}

/** Some entries still failed after every retry; the rest were published. */
export class PublishError extends Error {
  override readonly name = "PublishError";
  readonly failed: FailedEntry[];
  /** EventBridge ids of the entries that were published, in input order. */
  readonly published: string[];

  constructor(failed: FailedEntry[], published: string[], attempts: number) {
    const list = failed.map(
      (f) => `${f.detailType} ${f.eventId}: ${f.errorCode} ${f.errorMessage}`,
    );
    super(`${failed.length} event(s) not published after ${attempts} attempts: ${list.join("; ")}`);
    this.failed = failed;
    this.published = published;
  }
}

/** Zod issues as paths inside the EventBridge event, below `prefix`. */
export function issuesAt(prefix: string, error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: joinPath(prefix, issue.path),
    message: issue.message,
  }));
}

export function unsupportedVersionIssue(
  contract: AnyPlatformContract,
  version: number,
): ValidationIssue {
  const supported = supportedVersions(contract).join(", ");
  return {
    path: "detail.metadata.version",
    message: `unsupported version ${version}; ${contract.detailType} supports ${supported}`,
  };
}

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((joined, key) => {
    if (typeof key === "number") return `${joined}[${key}]`;
    return joined ? `${joined}.${String(key)}` : String(key);
  }, prefix);
}
