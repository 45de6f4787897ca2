import { z } from "zod";
import { actorKey, filePk } from "./keys.ts";
import type { PageKey, TimelineQuery } from "./ports.ts";

/** A cursor that this query did not return: malformed, altered, or another query's. */
export class InvalidCursorError extends Error {
  override readonly name = "InvalidCursorError";

  constructor(reason: string) {
    super(`invalid cursor: ${reason}; pass the nextCursor of an earlier page of the same query`);
  }
}

const Key = z.strictObject({
  pk: z.string().min(1),
  sk: z.string().min(1),
  actorKey: z.string().min(1).optional(),
});

/** Opaque to callers: the page's last key, base64url-encoded JSON. */
export function encodeCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/** The key a cursor resumes after, once it is known to belong to `query`. */
export function decodeCursor(cursor: string, query: TimelineQuery): PageKey {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError("not a cursor this service issued");
  }
  const key = Key.safeParse(json);
  if (!key.success) throw new InvalidCursorError("not a cursor this service issued");
  const belongs =
    "fileId" in query
      ? key.data.pk === filePk(query.fileId) && key.data.actorKey === undefined
      : key.data.actorKey === actorKey(query.actor);
  if (!belongs) throw new InvalidCursorError("it belongs to another query");
  return key.data;
}
