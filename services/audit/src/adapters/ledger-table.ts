import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { FileRequested, InvocationCompleted } from "@platform/events";
import type { LedgerEntry } from "../entry.ts";
import { actorKey, dayOf, filePk, guardKey, operationPk, partitionOf, sortKey } from "../keys.ts";
import type { Ledger, PageKey } from "../ports.ts";

type Item = Record<string, unknown>;

/** An entry as stored, without the table's own key attributes. */
function entryOf({ pk: _, sk: __, actorKey: ___, day: ____, ...entry }: Item): LedgerEntry {
  return entry as unknown as LedgerEntry;
}

/** The ledger in DynamoDB (key layout in keys.ts). */
export function ledgerTable(client: DynamoDBDocumentClient, tableName: string): Ledger {
  async function queryAll(input: Omit<QueryCommandInput, "TableName">): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    let start: Item | undefined;
    do {
      const page = await client.send(
        new QueryCommand({ TableName: tableName, ...input, ExclusiveStartKey: start }),
      );
      entries.push(...(page.Items ?? []).map(entryOf));
      start = page.LastEvaluatedKey;
    } while (start);
    return entries;
  }

  return {
    async append(entry) {
      const pk = partitionOf(entry);
      const sk = sortKey(entry.at, entry.eventId);
      const guard = guardKey(entry.dedupeKey ?? entry.eventId);
      try {
        // The guard and the entry are written together or not at all: a retry is always safe.
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: {
                    pk: guard,
                    sk: guard,
                    entry: `${pk} ${sk}`,
                    recordedAt: entry.recordedAt,
                  },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: { pk, sk, actorKey: actorKey(entry.actor), day: dayOf(entry.at), ...entry },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
            ],
          }),
        );
        return "recorded";
      } catch (error) {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] })
          .CancellationReasons;
        if (
          (error as Error).name === "TransactionCanceledException" &&
          reasons?.some((reason) => reason.Code === "ConditionalCheckFailed")
        )
          return "duplicate";
        throw error;
      }
    },

    async fileRequest(fileId) {
      const [request] = await queryAll({
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "#type = :type",
        ExpressionAttributeNames: { "#type": "type" },
        ExpressionAttributeValues: { ":pk": filePk(fileId), ":type": FileRequested.detailType },
        ConsistentRead: true,
      });
      return request;
    },

    async page(query, limit, after) {
      const byFile = "fileId" in query;
      // One more than asked: whether another page follows is known without an empty last page.
      const { Items = [], LastEvaluatedKey } = await client.send(
        new QueryCommand({
          TableName: tableName,
          ...(byFile
            ? {
                KeyConditionExpression: "pk = :key",
                ExpressionAttributeValues: { ":key": filePk(query.fileId) },
              }
            : {
                IndexName: "byActor",
                KeyConditionExpression: "actorKey = :key",
                ExpressionAttributeValues: { ":key": actorKey(query.actor) },
              }),
          ScanIndexForward: true,
          Limit: limit + 1,
          ExclusiveStartKey: after,
        }),
      );
      const items = Items.slice(0, limit);
      const last = items[items.length - 1];
      const more = Items.length > limit || LastEvaluatedKey !== undefined;
      const next: PageKey | undefined =
        more && last
          ? {
              pk: String(last.pk),
              sk: String(last.sk),
              ...(byFile ? {} : { actorKey: String(last.actorKey) }),
            }
          : undefined;
      return { entries: items.map(entryOf), ...(next ? { next } : {}) };
    },

    hour(hour) {
      return queryAll({
        IndexName: "byDay",
        KeyConditionExpression: "#day = :day AND begins_with(sk, :hour)",
        ExpressionAttributeNames: { "#day": "day" },
        ExpressionAttributeValues: { ":day": dayOf(hour), ":hour": hour },
      });
    },

    calls(by) {
      if ("operation" in by)
        return queryAll({
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": operationPk(by.operation) },
        });
      return queryAll({
        IndexName: "byActor",
        KeyConditionExpression: "actorKey = :actor",
        FilterExpression: "#type = :type",
        ExpressionAttributeNames: { "#type": "type" },
        ExpressionAttributeValues: {
          ":actor": actorKey({ type: "service", id: by.caller }),
          ":type": InvocationCompleted.detailType,
        },
      });
    },
  };
}
