import { PutEventsCommand, type PutEventsCommandOutput } from "@aws-sdk/client-eventbridge";
import type { AnyPlatformContract, DataInputOf, VersionOf } from "./contract.ts";
import { buildEntry, intoBatches, type OutgoingEntry, type PublishContext } from "./entry.ts";
import { type FailedEntry, PublishError } from "./errors.ts";

/** The one thing the publisher needs from an EventBridgeClient (tests pass a fake). */
export interface EventBridgeSender {
  send(command: PutEventsCommand): Promise<PutEventsCommandOutput>;
}

/** The data a publish with this context must carry: the version it names, else the latest. */
export type DataForContext<C extends AnyPlatformContract, X> = X extends {
  version: infer V extends VersionOf<C>;
}
  ? DataInputOf<C, V>
  : DataInputOf<C>;

// A literal version the contract lacks is a type error (a wide `number` is checked at run time).
type KnownVersion<C extends AnyPlatformContract, X> = X extends { version: infer V extends number }
  ? number extends V
    ? unknown
    : V extends VersionOf<C>
      ? unknown
      : { version: VersionOf<C> }
  : unknown;

export interface PublishItem<C extends AnyPlatformContract = AnyPlatformContract> {
  contract: C;
  data: DataInputOf<C, VersionOf<C>>;
  context: PublishContext;
}

/** EventBridge's EventId for each published event, in the order given. */
export interface PublishResult {
  eventIds: string[];
}

export interface Publisher {
  publish<C extends AnyPlatformContract, const X extends PublishContext>(
    contract: C,
    data: DataForContext<C, X>,
    context: X & KnownVersion<C, X>,
  ): Promise<PublishResult>;
  publishAll<const Cs extends readonly AnyPlatformContract[]>(
    items: {
      [I in keyof Cs]: PublishItem<Cs[I]>;
    },
  ): Promise<PublishResult>;
}

export interface PublisherOptions {
  client: EventBridgeSender;
  eventBusName: string;
  /** Tries per entry, the first included (default 4). */
  maxAttempts?: number;
  /** The first retry waits up to this long, doubling each time (default 50 ms). */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  newId?: () => string;
  /** In [0, 1); picks the jittered delay (default Math.random). */
  random?: () => number;
}

const MAX_DELAY_MS = 5_000;

type Outcome = { eventBridgeId: string } | { errorCode: string; errorMessage: string };

export function createPublisher(options: PublisherOptions): Publisher {
  const {
    client,
    eventBusName,
    maxAttempts = 4,
    baseDelayMs = 50,
    sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    now = () => new Date(),
    newId = () => crypto.randomUUID(),
    random = Math.random,
  } = options;

  async function send(batch: OutgoingEntry[]): Promise<Outcome[]> {
    try {
      const command = new PutEventsCommand({ Entries: batch.map((o) => o.entry) });
      const response = await client.send(command);
      return batch.map((_, i): Outcome => {
        const result = response.Entries?.[i];
        if (result?.EventId && !result.ErrorCode) return { eventBridgeId: result.EventId };
        return {
          errorCode: result?.ErrorCode ?? "MissingResult",
          errorMessage: result?.ErrorMessage ?? "PutEvents returned no result for this entry",
        };
      });
    } catch (error) {
      // The SDK already retried transport errors; a throw still fails the whole batch.
      const errorCode = error instanceof Error ? error.name : "Error";
      const errorMessage = error instanceof Error ? error.message : String(error);
      return batch.map(() => ({ errorCode, errorMessage }));
    }
  }

  async function publishAll(items: readonly PublishItem[]): Promise<PublishResult> {
    // Every item is checked before the first request, so one bad item publishes nothing.
    let pending = items.map((item, i) => buildEntry(item, i, { eventBusName, now, newId }));
    const eventIds: (string | undefined)[] = new Array(items.length);

    for (let attempt = 1; ; attempt++) {
      const batches = intoBatches(pending);
      const outcomes = (await Promise.all(batches.map(send))).flat();
      const failed: FailedEntry[] = [];
      batches.flat().forEach(({ index, eventId, detailType }, i) => {
        const outcome = outcomes[i] as Outcome;
        if ("eventBridgeId" in outcome) eventIds[index] = outcome.eventBridgeId;
        else failed.push({ index, detailType, eventId, ...outcome });
      });
      if (failed.length === 0) return { eventIds: eventIds as string[] };
      if (attempt >= maxAttempts) {
        const published = eventIds.filter((id): id is string => id !== undefined);
        throw new PublishError(failed, published, attempt);
      }
      // Exponential backoff with full jitter, then retry only the entries that failed.
      const ceiling = Math.min(MAX_DELAY_MS, baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.floor(random() * ceiling));
      pending = pending.filter((o) => failed.some((f) => f.index === o.index));
    }
  }

  return {
    publish: (contract, data, context) => publishAll([{ contract, data, context }]),
    publishAll: (items) => publishAll(items as readonly PublishItem[]),
  };
}
