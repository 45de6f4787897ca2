import { parse } from "@platform/events";
import { AUDITED, platformEntry, s3Entry } from "./entry.ts";
import { EXPORT_PREFIX, fileIdOfKey } from "./keys.ts";
import type { Ports } from "./ports.ts";

export type RecordOutcome =
  | { outcome: "recorded" | "duplicate"; eventId: string }
  | { outcome: "skipped"; reason: string };

/**
 * Appends one event to the ledger, exactly once per event id. An event that does not match its
 * contract throws before anything is written, so its delivery fails and, after the retries, it
 * lands in a dead-letter queue whole.
 */
export async function record(
  ports: Pick<Ports, "ledger" | "now">,
  raw: unknown,
): Promise<RecordOutcome> {
  const event = parse(AUDITED, raw);
  if (event.source !== "aws.s3") {
    const entry = platformEntry(event, ports.now());
    return { outcome: await ports.ledger.append(entry), eventId: entry.eventId };
  }
  const key = event.detail.object.key;
  // The export's own objects: auditing them would record the audit trail's writes forever.
  if (key.startsWith(EXPORT_PREFIX)) return { outcome: "skipped", reason: `${key} is the export` };
  const fileId = fileIdOfKey(key);
  const request = fileId ? await ports.ledger.fileRequest(fileId) : undefined;
  const entry = s3Entry(event, request, ports.now());
  return { outcome: await ports.ledger.append(entry), eventId: entry.eventId };
}
