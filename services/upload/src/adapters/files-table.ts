import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { FileRecord } from "../files.ts";
import type { FilesStore, ListQuery } from "../ports.ts";

export class FileExistsError extends Error {
  constructor(fileId: string) {
    super(`file ${fileId} already exists`);
    this.name = "FileExistsError";
  }
}

export class BadCursorError extends Error {
  constructor() {
    super("the cursor is not one this API issued");
    this.name = "BadCursorError";
  }
}

const encodeCursor = (key: Record<string, unknown>) =>
  Buffer.from(JSON.stringify(key)).toString("base64url");

function decodeCursor(cursor: string, expected: string[]): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    const names = Object.keys(key).sort();
    if (
      names.join() === [...expected].sort().join() &&
      names.every((n) => typeof key[n] === "string")
    )
      return key;
  } catch {}
  throw new BadCursorError();
}

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

/** The files table in DynamoDB: one item per file, written only with a condition. */
export function filesTable(client: DynamoDBDocumentClient, tableName: string): FilesStore {
  /** The sparse sweep index: one shard's rows with `sweepAt` before `before`, oldest first. */
  async function onSweepIndex(
    shard: NonNullable<FileRecord["sweepShard"]>,
    before: string,
    limit: number,
  ): Promise<FileRecord[]> {
    const { Items } = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: "pendingBySweepAt",
        KeyConditionExpression: "sweepShard = :shard AND sweepAt < :before",
        ExpressionAttributeValues: { ":shard": shard, ":before": before },
        Limit: limit,
      }),
    );
    return (Items ?? []) as FileRecord[];
  }

  return {
    async create(file) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: file,
            ConditionExpression: "attribute_not_exists(fileId)",
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) throw new FileExistsError(file.fileId);
        throw error;
      }
    },

    async get(fileId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: { fileId }, ConsistentRead: true }),
      );
      return Item as FileRecord | undefined;
    },

    async replace(file, expectedRev) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: file,
            ConditionExpression: "#rev = :rev",
            ExpressionAttributeNames: { "#rev": "rev" },
            ExpressionAttributeValues: { ":rev": expectedRev },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async list(query: ListQuery) {
      const scoped = query.purpose !== undefined && query.entityId !== undefined;
      const input: QueryCommandInput = scoped
        ? {
            TableName: tableName,
            IndexName: "byOwnerScope",
            KeyConditionExpression: "ownerScope = :scope",
            ExpressionAttributeValues: {
              ":scope": `${query.ownerId}#${query.purpose}#${query.entityId}`,
            },
          }
        : {
            TableName: tableName,
            IndexName: "byOwner",
            KeyConditionExpression: "ownerId = :owner",
            ExpressionAttributeValues: { ":owner": query.ownerId },
          };
      // Deleted files are not listed; a purpose or entity alone narrows the owner's files.
      const filters = ["#status <> :deleted"];
      input.ExpressionAttributeNames = { "#status": "status" };
      input.ExpressionAttributeValues = {
        ...input.ExpressionAttributeValues,
        ":deleted": "deleted",
      };
      if (!scoped && query.purpose !== undefined) {
        filters.push("purpose = :purpose");
        input.ExpressionAttributeValues[":purpose"] = query.purpose;
      }
      if (!scoped && query.entityId !== undefined) {
        filters.push("entityId = :entity");
        input.ExpressionAttributeValues[":entity"] = query.entityId;
      }
      input.FilterExpression = filters.join(" AND ");
      input.ScanIndexForward = false;
      input.Limit = query.limit;
      const partition = scoped ? "ownerScope" : "ownerId";
      const keyNames = ["fileId", "createdAt", partition];
      if (query.cursor) {
        const start = decodeCursor(query.cursor, keyNames);
        // A cursor from someone else's listing would start outside this one: DynamoDB refuses it.
        if (start[partition] !== input.ExpressionAttributeValues[scoped ? ":scope" : ":owner"])
          throw new BadCursorError();
        input.ExclusiveStartKey = start;
      }

      // A filter can leave a page short: keep reading until it is full or the index ends.
      const items: FileRecord[] = [];
      let last: Record<string, unknown> | undefined;
      do {
        const page = await client.send(new QueryCommand(input));
        items.push(...((page.Items ?? []) as FileRecord[]));
        last = page.LastEvaluatedKey;
        input.ExclusiveStartKey = last;
        input.Limit = query.limit - items.length;
      } while (last && items.length < query.limit);
      return last ? { items, nextCursor: encodeCursor(last) } : { items };
    },

    duePending: (before, limit) => onSweepIndex("pending", before, limit),
    strandedOutboxes: (before, limit) => onSweepIndex("outbox", before, limit),
  };
}
