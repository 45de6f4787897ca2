import { createHash } from "node:crypto";
import { extensionFor } from "./purposes.ts";

/**
 * Object keys, all chosen by the server:
 *   tmp/<purpose>/<entity>/<fileId>_<ms>.<ext>      on arrival
 *   <purpose>/<entity>/origin/<fileId>_<ms>.<ext>    the promoted original
 *   <purpose>/<entity>/<size>/<fileId>_<ms>.<ext>    each variant
 * The file id is the uuid in the name, so any key leads back to its file.
 */
export const TMP_PREFIX = "tmp/";

/** Entity ids become one path segment: letters, digits, `_` and `-` only, so never `..` or `/`. */
export const ENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** A caller's own entity id: their id when it is already path-safe, else a stable digest of it. */
export function entityOf(ownerId: string): string {
  if (ENTITY_ID.test(ownerId)) return ownerId;
  return `u-${createHash("sha256").update(ownerId).digest("hex").slice(0, 40)}`;
}

export function tmpKey(file: {
  purpose: string;
  entityId: string;
  fileId: string;
  contentType: string;
  createdAt: string;
}): string {
  const stamp = Date.parse(file.createdAt);
  return `${TMP_PREFIX}${file.purpose}/${file.entityId}/${file.fileId}_${stamp}.${extensionFor(file.contentType)}`;
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const TMP_KEY = new RegExp(`^tmp/([a-z-]+)/([A-Za-z0-9_-]+)/(${UUID})_(\\d+)\\.([a-z0-9]+)$`);

/** The parts of a key under tmp/, or undefined for a key this service did not choose. */
export function parseTmpKey(
  key: string,
): { purpose: string; entityId: string; fileId: string } | undefined {
  const match = TMP_KEY.exec(key);
  if (!match) return undefined;
  const [, purpose = "", entityId = "", fileId = ""] = match;
  return { purpose, entityId, fileId };
}
