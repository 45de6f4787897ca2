import type {
  PutEventsCommand,
  PutEventsRequestEntry,
  PutEventsResultEntry,
} from "@aws-sdk/client-eventbridge";
import type { EventBridgeSender } from "../src/index.ts";

/** What the fake answers for one entry: its EventId, or an error code. */
export type EntryReply = { eventId: string } | { errorCode: string; errorMessage: string };

/**
 * A hand-written EventBridge: records each PutEvents request and answers from a script.
 * `reply(entry, call)` decides each entry's fate (call counts requests from 1); throwing
 * from it makes the whole request fail, as an SDK error would.
 */
export function fakeEventBridge(
  reply?: (entry: PutEventsRequestEntry, call: number) => EntryReply,
) {
  const requests: PutEventsRequestEntry[][] = [];
  let nextId = 1;
  const client: EventBridgeSender = {
    async send(command: PutEventsCommand) {
      const entries = command.input.Entries ?? [];
      requests.push(entries);
      const replies = entries.map(
        (entry) => reply?.(entry, requests.length) ?? { eventId: `eb-${nextId++}` },
      );
      const results = replies.map(
        (r): PutEventsResultEntry =>
          "eventId" in r
            ? { EventId: r.eventId }
            : { ErrorCode: r.errorCode, ErrorMessage: r.errorMessage },
      );
      return {
        $metadata: {},
        FailedEntryCount: results.filter((r) => r.ErrorCode).length,
        Entries: results,
      };
    },
  };
  return { client, requests };
}

/** The platform detail an entry carried. */
export function detailOf(entry: PutEventsRequestEntry | undefined): {
  metadata: Record<string, unknown>;
  data: Record<string, unknown>;
} {
  return JSON.parse(entry?.Detail ?? "null");
}
