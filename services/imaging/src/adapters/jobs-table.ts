import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Job } from "../job.ts";
import type { JobStore } from "../ports.ts";

/** How long a job is kept after its last change (the table's TTL removes it after). */
const KEEP_SECONDS = 30 * 24 * 3600;

// Jobs share the table with the idempotency records, under ids of their own.
const idOf = (fileId: string) => `job#${fileId}`;

export function jobsTable(client: DynamoDBDocumentClient, tableName: string): JobStore {
  const item = (job: Job) => ({
    id: idOf(job.fileId),
    ...job,
    expiration: Math.floor(Date.parse(job.updatedAt) / 1000) + KEEP_SECONDS,
  });
  return {
    async get(fileId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: { id: idOf(fileId) }, ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const { id: _, expiration: __, ...job } = Item;
      return job as Job;
    },
    async create(job) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: item(job),
            ConditionExpression: "attribute_not_exists(id)",
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
    async save(job) {
      await client.send(new PutCommand({ TableName: tableName, Item: item(job) }));
    },
  };
}
