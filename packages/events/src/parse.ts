import type { AnyAwsContract, AnyContract, AnyPlatformContract } from "./contract.ts";
import { EventBridgeEnvelope, Metadata } from "./envelope.ts";
import {
  EventValidationError,
  issuesAt,
  unsupportedVersionIssue,
  type ValidationIssue,
} from "./errors.ts";
import type { EventOf } from "./event.ts";

type ContractOf<Expected> = Expected extends readonly (infer C)[] ? C : Expected;

export type SafeParseResult<Event> =
  | { success: true; event: Event }
  | { success: false; error: EventValidationError };

/**
 * Checks an EventBridge event (object or JSON string) against the contract(s) a consumer
 * accepts and returns it typed; with several contracts, `detailType` tells them apart.
 * Throws EventValidationError naming every path that does not match.
 */
export function parse<const Expected extends AnyContract | readonly AnyContract[]>(
  expected: Expected,
  raw: unknown,
): EventOf<ContractOf<Expected>> {
  const contracts = (Array.isArray(expected) ? expected : [expected]) as readonly AnyContract[];
  const input = typeof raw === "string" ? parseJson(raw) : raw;
  const envelope = EventBridgeEnvelope.safeParse(input);
  if (!envelope.success) {
    const detailType = field(input, "detail-type");
    throw new EventValidationError(
      typeof detailType === "string" ? detailType : undefined,
      issuesAt("", envelope.error),
    );
  }
  const event = envelope.data;
  const detailType = event["detail-type"];
  const contract = contracts.find((c) => c.source === event.source && c.detailType === detailType);
  if (!contract) {
    const accepted = contracts.map((c) => `${c.source}/${c.detailType}`).join(", ");
    throw new EventValidationError(
      detailType,
      [{ path: "detail-type", message: `expected one of ${accepted}` }],
      `unexpected event ${event.source}/${detailType}`,
    );
  }
  const detail =
    contract.kind === "platform"
      ? parsePlatformDetail(contract, event.detail)
      : parseAwsDetail(contract, event.detail);
  return {
    id: event.id,
    source: event.source,
    detailType,
    time: event.time,
    account: event.account,
    region: event.region,
    resources: event.resources,
    ...(event["replay-name"] === undefined ? {} : { replayName: event["replay-name"] }),
    detail,
  } as EventOf<ContractOf<Expected>>;
}

/** parse() that returns the validation error instead of throwing it. */
export function safeParse<const Expected extends AnyContract | readonly AnyContract[]>(
  expected: Expected,
  raw: unknown,
): SafeParseResult<EventOf<ContractOf<Expected>>> {
  try {
    return { success: true, event: parse(expected, raw) };
  } catch (error) {
    if (error instanceof EventValidationError) return { success: false, error };
    throw error;
  }
}

/**
 * Narrows a parsed platform event's detail to one version of its contract
 * (TypeScript cannot narrow a union through the nested `detail.metadata.version`).
 */
export function isVersion<
  Detail extends { metadata: { version: number } },
  V extends Detail["metadata"]["version"],
>(detail: Detail, version: V): detail is Extract<Detail, { metadata: { version: V } }> {
  return detail.metadata.version === version;
}

function parsePlatformDetail(contract: AnyPlatformContract, detail: unknown): unknown {
  if (typeof detail !== "object" || detail === null) {
    throw new EventValidationError(contract.detailType, [
      { path: "detail", message: "expected an object with metadata and data" },
    ]);
  }
  const issues: ValidationIssue[] = [];
  const metadata = Metadata.safeParse(field(detail, "metadata"));
  if (!metadata.success) issues.push(...issuesAt("detail.metadata", metadata.error));

  // Even when other metadata is bad, a readable version lets us report the data's problems too.
  const version = field(field(detail, "metadata"), "version");
  const schema = typeof version === "number" ? contract.versions[version] : undefined;
  if (!schema && Number.isInteger(version) && (version as number) > 0) {
    issues.push(unsupportedVersionIssue(contract, version as number));
  }
  const data = schema?.safeParse(field(detail, "data"));
  if (data && !data.success) issues.push(...issuesAt("detail.data", data.error));

  if (!metadata.success || !data?.success) {
    throw new EventValidationError(contract.detailType, issues);
  }
  return { metadata: metadata.data, data: data.data };
}

function parseAwsDetail(contract: AnyAwsContract, detail: unknown): unknown {
  const result = contract.detail.safeParse(detail);
  if (!result.success) {
    throw new EventValidationError(contract.detailType, issuesAt("detail", result.error));
  }
  return result.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EventValidationError(undefined, [{ path: "", message: `not JSON: ${reason}` }]);
  }
}

/** A property of a value that may not be an object at all. */
function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
