import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { AnyPlatformContract } from "./contract.ts";
import { type Actor, Metadata } from "./envelope.ts";
import {
  EventTooLargeError,
  EventValidationError,
  issuesAt,
  unsupportedVersionIssue,
  type ValidationIssue,
} from "./errors.ts";

/** PutEvents limits: 10 entries a request, 256 KiB an entry and a request. */
export const MAX_ENTRIES_PER_REQUEST = 10;
export const MAX_EVENT_BYTES = 262_144;

export interface PublishContext {
  actor: Actor;
  correlationId: string;
  /** The eventId of the event that caused this one; null (the default) starts a chain. */
  causationId?: string | null;
  /** Publish an older version of the contract (defaults to the latest). */
  version?: number;
  /**
   * A stable id chosen by the producer (default: a new one). Re-publishing after a crash with
   * the same id lets consumers recognise the event they may already have handled.
   */
  eventId?: string;
}

/** A checked PutEvents entry, remembering where it came from. */
export interface OutgoingEntry {
  index: number;
  eventId: string;
  detailType: string;
  entry: PutEventsRequestEntry;
  size: number;
}

export interface EntryFactory {
  eventBusName: string;
  now: () => Date;
  newId: () => string;
}

/** Builds metadata, validates metadata and data, and refuses an entry EventBridge would. */
export function buildEntry(
  {
    contract,
    data,
    context,
  }: { contract: AnyPlatformContract; data: unknown; context: PublishContext },
  index: number,
  { eventBusName, now, newId }: EntryFactory,
): OutgoingEntry {
  if (contract.kind !== "platform") {
    throw new TypeError(`only platform contracts can be published, not ${String(contract.kind)}`);
  }
  const version = context.version ?? contract.latestVersion;
  const schema = contract.versions[version];
  const metadata = Metadata.safeParse({
    eventId: context.eventId ?? newId(),
    version,
    correlationId: context.correlationId,
    causationId: context.causationId ?? null,
    actor: context.actor,
    occurredAt: now().toISOString(),
  });
  const parsed = schema?.safeParse(data);

  const issues: ValidationIssue[] = [];
  if (!metadata.success) issues.push(...issuesAt("detail.metadata", metadata.error));
  if (!schema) issues.push(unsupportedVersionIssue(contract, version));
  if (parsed && !parsed.success) issues.push(...issuesAt("detail.data", parsed.error));
  if (!metadata.success || !parsed?.success) {
    throw new EventValidationError(
      contract.detailType,
      issues,
      `cannot publish ${contract.detailType}`,
    );
  }

  const entry: PutEventsRequestEntry = {
    // No Time: EventBridge stamps the time it received the event.
    Source: contract.source,
    DetailType: contract.detailType,
    Detail: JSON.stringify({ metadata: metadata.data, data: parsed.data }),
    EventBusName: eventBusName,
  };
  const size = putEventsEntrySize(entry);
  if (size > MAX_EVENT_BYTES)
    throw new EventTooLargeError(contract.detailType, size, MAX_EVENT_BYTES);
  return { index, eventId: metadata.data.eventId, detailType: contract.detailType, entry, size };
}

const utf8 = new TextEncoder();
const bytes = (text: string | undefined): number => (text ? utf8.encode(text).length : 0);

/**
 * An entry's size as EventBridge counts it
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html):
 * Time is 14 bytes when set; Source, DetailType, Detail and each resource count their UTF-8 bytes.
 */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time ? 14 : 0;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  for (const resource of entry.Resources ?? []) size += bytes(resource);
  return size;
}

/** Splits entries, in order, into requests of at most 10 entries and 256 KiB each. */
export function intoBatches(entries: readonly OutgoingEntry[]): OutgoingEntry[][] {
  const batches: OutgoingEntry[][] = [];
  let current: OutgoingEntry[] = [];
  let currentBytes = 0;
  for (const outgoing of entries) {
    const full =
      current.length === MAX_ENTRIES_PER_REQUEST || currentBytes + outgoing.size > MAX_EVENT_BYTES;
    if (full && current.length > 0) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(outgoing);
    currentBytes += outgoing.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
