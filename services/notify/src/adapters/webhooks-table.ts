import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Webhook, WebhookStore } from "../ports.ts";
import { conditional, isConditionFailure } from "./conditional.ts";

// Layout of the Webhooks table, shared by two kinds of item (see also deliveries-table.ts):
//   OWNER#<ownerId>  WEBHOOK#<id>       a webhook, its secret, its failure count and epoch
//   EVENT#<eventId>  TARGET#<target>    one event's delivery to SNS or to one webhook
// Whose each file is lives in a table of its own (owners-table.ts), away from the secrets.

type Item = Record<string, unknown>;

const keyOf = (ownerId: string, id: string) => ({ pk: `OWNER#${ownerId}`, sk: `WEBHOOK#${id}` });

function webhookOf({ pk: _, sk: __, ...rest }: Item): Webhook {
  return rest as unknown as Webhook;
}

export function webhooksTable(client: DynamoDBDocumentClient, tableName: string): WebhookStore {
  async function list(ownerId: string): Promise<Webhook[]> {
    const webhooks: Webhook[] = [];
    let start: Item | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :webhook)",
          ExpressionAttributeValues: { ":pk": `OWNER#${ownerId}`, ":webhook": "WEBHOOK#" },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      webhooks.push(...(page.Items ?? []).map(webhookOf));
      start = page.LastEvaluatedKey;
    } while (start);
    return webhooks.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  const update = (ownerId: string, id: string, input: Omit<Item, "TableName" | "Key">) =>
    client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keyOf(ownerId, id),
        ConditionExpression: "attribute_exists(pk)",
        ...input,
      }),
    );

  return {
    list,

    async create(webhook, limit) {
      // A soft limit: two creations at the same instant may both pass it.
      if ((await list(webhook.ownerId)).length >= limit) return "limit";
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keyOf(webhook.ownerId, webhook.id), ...webhook },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return "created";
    },

    async get(ownerId, id) {
      const { Item: item } = await client.send(
        new GetCommand({ TableName: tableName, Key: keyOf(ownerId, id), ConsistentRead: true }),
      );
      return item ? webhookOf(item) : undefined;
    },

    remove: (ownerId, id) =>
      conditional(() =>
        client.send(
          new DeleteCommand({
            TableName: tableName,
            Key: keyOf(ownerId, id),
            ConditionExpression: "attribute_exists(pk)",
          }),
        ),
      ),

    async setEnabled(ownerId, id, enabled, at) {
      try {
        const { Attributes } = await update(ownerId, id, {
          UpdateExpression: enabled
            ? "SET enabled = :yes, consecutiveFailures = :zero, updatedAt = :at ADD #epoch :one REMOVE disabledAt, disabledReason"
            : "SET enabled = :no, disabledAt = :at, disabledReason = :why, updatedAt = :at",
          // Enabling an enabled webhook changes nothing: its failure count is not reset.
          ...(enabled
            ? {
                ConditionExpression: "attribute_exists(pk) AND enabled = :no",
                ExpressionAttributeNames: { "#epoch": "epoch" },
              }
            : {}),
          ExpressionAttributeValues: enabled
            ? { ":yes": true, ":no": false, ":zero": 0, ":one": 1, ":at": at }
            : { ":no": false, ":at": at, ":why": "disabled by its owner" },
          ReturnValues: "ALL_NEW",
        });
        return Attributes ? webhookOf(Attributes) : undefined;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Missing (undefined), or already enabled (as it is).
        const { Item: item } = await client.send(
          new GetCommand({ TableName: tableName, Key: keyOf(ownerId, id), ConsistentRead: true }),
        );
        return item ? webhookOf(item) : undefined;
      }
    },

    async recordOutcome(ownerId, id, last, change, disableAfter, epoch) {
      const expression = {
        success: "SET lastDelivery = :last, consecutiveFailures = :zero",
        failure: "SET lastDelivery = :last ADD consecutiveFailures :one",
        none: "SET lastDelivery = :last",
      }[change];
      // A failure counts in the epoch it was seen in: not if the webhook was enabled again since.
      const sameEpoch =
        epoch === 0 ? "(attribute_not_exists(#epoch) OR #epoch = :epoch)" : "#epoch = :epoch";
      let failures = 0;
      const written = await conditional(async () => {
        const { Attributes } = await update(ownerId, id, {
          UpdateExpression: expression,
          ...(change === "failure"
            ? {
                ConditionExpression: `attribute_exists(pk) AND ${sameEpoch}`,
                ExpressionAttributeNames: { "#epoch": "epoch" },
              }
            : {}),
          ExpressionAttributeValues: {
            ":last": last,
            ...(change === "success" ? { ":zero": 0 } : {}),
            ...(change === "failure" ? { ":one": 1, ":epoch": epoch } : {}),
          },
          ReturnValues: "ALL_NEW",
        });
        failures = Number(Attributes?.consecutiveFailures ?? 0);
      });
      // Deleted or enabled again meanwhile: nothing to count.
      if (!written || change !== "failure" || failures < disableAfter) return;
      // Only in the epoch that counted: an owner who enabled it again meanwhile keeps it enabled.
      await conditional(() =>
        update(ownerId, id, {
          UpdateExpression: "SET enabled = :no, disabledAt = :at, disabledReason = :why",
          ConditionExpression: `enabled = :yes AND ${sameEpoch}`,
          ExpressionAttributeNames: { "#epoch": "epoch" },
          ExpressionAttributeValues: {
            ":no": false,
            ":yes": true,
            ":epoch": epoch,
            ":at": last.at,
            ":why": `${failures} consecutive failed deliveries`,
          },
        }),
      );
    },
  };
}
