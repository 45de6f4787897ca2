import { contractFor, createPublisher, type EventBridgeSender } from "@platform/events";
import type { OutboxEvent } from "../files.ts";
import type { EventSink } from "../ports.ts";

/** Publishes outbox events on the platform bus, each under the id it was given when recorded. */
export function busEventSink(client: EventBridgeSender, eventBusName: string): EventSink {
  const publisher = createPublisher({ client, eventBusName });
  return {
    async publish(events: OutboxEvent[], correlationId: string) {
      if (events.length === 0) return;
      await publisher.publishAll(
        events.map((event) => {
          const contract = contractFor(event.detailType);
          if (!contract) throw new Error(`no contract for ${event.detailType}`);
          return {
            contract,
            data: event.data,
            context: {
              actor: event.actor,
              correlationId,
              causationId: event.causationId,
              eventId: event.eventId,
            },
          };
        }),
      );
    },
  };
}
