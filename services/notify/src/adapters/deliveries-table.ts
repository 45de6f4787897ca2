import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Deliveries, DeliveryRecord, Target } from "../ports.ts";
import { isConditionFailure } from "./conditional.ts";

// Delivery records, in the Webhooks table (layout in webhooks-table.ts).

type Item = Record<string, unknown>;

/** Delivery records outlive any retry or redrive (dead letters are kept 14 days). */
const DELIVERY_DAYS = 30;

const epochSeconds = (at: Date, days: number) => Math.floor(at.getTime() / 1000) + days * 86_400;
const deliveryKey = (eventId: string, target: Target) => ({
  pk: `EVENT#${eventId}`,
  sk: `TARGET#${target}`,
});

/**
 * The `#name` placeholders the expressions use (many plain words, `error` among them, are
 * reserved in DynamoDB), each for the attribute of that name.
 */
function namesIn(...expressions: string[]): Record<string, string> {
  const used = new Set(expressions.join(" ").match(/#\w+/g));
  return Object.fromEntries([...used].map((name) => [name, name.slice(1)]));
}

function recordOf({ pk, sk, expiresAt: _, ...rest }: Item): DeliveryRecord {
  return {
    ...(rest as Omit<DeliveryRecord, "eventId" | "target">),
    eventId: String(pk).slice("EVENT#".length),
    target: String(sk).slice("TARGET#".length) as Target,
  };
}

export function deliveriesTable(client: DynamoDBDocumentClient, tableName: string): Deliveries {
  async function read(eventId: string, target: Target) {
    const { Item: item } = await client.send(
      new GetCommand({
        TableName: tableName,
        Key: deliveryKey(eventId, target),
        ConsistentRead: true,
      }),
    );
    return item ? recordOf(item) : undefined;
  }

  return {
    async ofEvent(eventId) {
      const { Items = [] } = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": `EVENT#${eventId}` },
          ConsistentRead: true,
        }),
      );
      return Items.map(recordOf);
    },

    async claim(eventId, target, holder, leaseUntil, now) {
      const at = new Date(now);
      try {
        const update =
          "SET #holder = :holder, #leaseUntil = :lease, #status = if_not_exists(#status, :pending), " +
          "#attempts = if_not_exists(#attempts, :zero), #updatedAt = :at, #expiresAt = :expires";
        // Free, or ours again (Lambda retries keep the request id), or its holder is long gone.
        const condition =
          "attribute_not_exists(pk) OR (NOT #status IN (:delivered, :rejected) AND " +
          "(attribute_not_exists(#leaseUntil) OR #leaseUntil < :now OR #holder = :holder))";
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: deliveryKey(eventId, target),
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeNames: namesIn(update, condition),
            ExpressionAttributeValues: {
              ":holder": holder,
              ":lease": leaseUntil,
              ":pending": "pending",
              ":zero": 0,
              ":at": at.toISOString(),
              ":expires": epochSeconds(at, DELIVERY_DAYS),
              ":delivered": "delivered",
              ":rejected": "rejected",
              ":now": now,
            },
            ReturnValues: "ALL_NEW",
          }),
        );
        return { claimed: true, record: recordOf(Attributes ?? {}) };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const record = await read(eventId, target);
        return record ? { claimed: false, record } : { claimed: false };
      }
    },

    async finish(eventId, target, holder, result) {
      const values: Item = {
        ":status": result.status,
        ":n": result.attempts,
        ":at": result.at,
        ":holder": holder,
      };
      const set = ["#status = :status", "#attempts = #attempts + :n", "#updatedAt = :at"];
      const remove = ["#holder", "#leaseUntil"];
      const optional = ["responseStatus", "responseExcerpt", "error"] as const;
      for (const field of optional) {
        if (result[field] === undefined) remove.push(`#${field}`);
        else {
          set.push(`#${field} = :${field}`);
          values[`:${field}`] = result[field];
        }
      }
      const failure = result.status !== "delivered" && result.attempts > 0;
      const epoch = result.epoch;
      if (failure && epoch !== undefined) {
        set.push("#countedIn = :epoch");
        values[":epoch"] = epoch;
      }
      const update = `SET ${set.join(", ")} REMOVE ${remove.join(", ")}`;
      const condition = "#holder = :holder";
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: deliveryKey(eventId, target),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: namesIn(update, condition),
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_OLD",
        }),
      );
      return { counts: failure && epoch !== undefined && Attributes?.countedIn !== epoch };
    },
  };
}
