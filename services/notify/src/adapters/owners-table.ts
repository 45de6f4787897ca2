import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Owners } from "../ports.ts";

// The FileOwners table: one item per requested file, keyed by fileId, with its owner, purpose and
// entity. Only recordOwner (which writes it) and the fan-out (which reads it) are linked to it.

/**
 * Kept longer than a dead letter can wait (14 days in its queue, plus Lambda's retries), so a
 * received notice redriven late still finds the owner its webhooks are owed to.
 */
const OWNER_DAYS = 16;

export function ownersTable(client: DynamoDBDocumentClient, tableName: string): Owners {
  return {
    async record(fileId, owner, at) {
      const expiresAt = Math.floor(at.getTime() / 1000) + OWNER_DAYS * 86_400;
      await client.send(
        new PutCommand({ TableName: tableName, Item: { fileId, ...owner, expiresAt } }),
      );
    },
    async find(fileId) {
      const { Item: item } = await client.send(
        new GetCommand({ TableName: tableName, Key: { fileId }, ConsistentRead: true }),
      );
      if (!item) return undefined;
      return {
        ownerId: String(item.ownerId),
        purpose: String(item.purpose),
        entityId: String(item.entityId),
      };
    },
  };
}
