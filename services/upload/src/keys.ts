import { createHash } from "node:crypto";
import { TMP_PREFIX } from "@platform/manifest";
import { extensionFor } from "./purposes.ts";

/**
 * Object keys, all chosen by the server:
 *   tmp/<purpose>/<entity>/<fileId>_<ms>.<ext>      on arrival
 *   <purpose>/<entity>/origin/<fileId>_<ms>.<ext>    the promoted original
 *   <purpose>/<entity>/<size>/<fileId>_<ms>.<ext>    each variant
 * The file id is the uuid in the name, so any key leads back to its file (parseTmpKey, in
 * @platform/manifest, reads a tmp/ key back for every service).
 */

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
