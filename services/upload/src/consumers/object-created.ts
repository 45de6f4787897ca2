import { parseTmpKey } from "@platform/manifest";
import { type FileRecord, keysOf, objectArrived } from "../files.ts";
import { applyChange } from "../lifecycle.ts";
import type { Ports, StoredObject } from "../ports.ts";

export interface ArrivedEvent {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  eventId: string;
}

export type ArrivalOutcome =
  | "uploaded"
  | "ready"
  | "rejected"
  | "duplicate"
  | "superseded"
  | "unknown";

interface Checks {
  contentType: string | undefined;
  sha256Matches: boolean | undefined;
}

/** Whether the stored bytes hash to the declared sha256 (S3's own checksum when it kept one). */
async function sha256Matches(ports: Ports, file: FileRecord, key: string, stored: StoredObject) {
  if (!file.sha256) return undefined;
  if (stored.checksumSha256)
    return Buffer.from(stored.checksumSha256, "base64").toString("hex") === file.sha256;
  return (await ports.storage.sha256(key)) === file.sha256;
}

/** A multipart upload's ETag ends in `-<parts>`; a copy of the object gets a plain one instead. */
const isMultipartEtag = (etag: string) => /-\d+$/.test(etag);

/**
 * Finds the bytes the event announced and checks them: at tmp/, or, once imaging has promoted
 * them (copied to origin/, then removed tmp/), at the original. "superseded" when the object
 * there is not the one this event describes: a later object's own event checks that one.
 */
async function examine(
  ports: Ports,
  file: FileRecord,
  event: ArrivedEvent,
): Promise<Checks | "superseded" | undefined> {
  const atTmp = await ports.storage.head(event.key);
  if (atTmp) {
    if (atTmp.etag !== event.etag) return "superseded";
    return {
      contentType: atTmp.contentType,
      sha256Matches: await sha256Matches(ports, file, event.key, atTmp),
    };
  }
  const originalKey = file.original?.key;
  const original = originalKey && (await ports.storage.head(originalKey));
  if (!originalKey || !original) return undefined;
  const sameObject = isMultipartEtag(event.etag)
    ? original.size === event.size
    : original.etag === event.etag;
  if (!sameObject) return "superseded";
  return {
    contentType: original.contentType,
    sha256Matches: await sha256Matches(ports, file, originalKey, original),
  };
}

/**
 * Bytes landed under tmp/: the file becomes `uploaded` (or `ready`, when imaging's result came
 * first) if they are what was declared (size, type, checksum), else `rejected` and its objects
 * are removed. A repeat of the event changes nothing, but removes a rejected file's objects again.
 */
export async function objectCreated(ports: Ports, event: ArrivedEvent): Promise<ArrivalOutcome> {
  const parts = parseTmpKey(event.key);
  const file = parts && (await ports.files.get(parts.fileId));
  if (!file || file.key !== event.key) return "unknown";
  let checks: Checks | undefined;
  if (!file.uploaded) {
    const examined = await examine(ports, file, event);
    if (examined === "superseded") return "superseded";
    // Gone already (deleted before imaging promoted it): nothing to check.
    if (!examined) return "unknown";
    checks = examined;
  }
  const at = ports.now().toISOString();
  const result = await applyChange(ports, file.fileId, (current) =>
    checks ? objectArrived(current, { ...event, ...checks }, at, null) : undefined,
  );
  if (!result) return "unknown";
  if (result.file.status === "rejected" && result.file.uploaded) {
    // Also on a repeat: deleting is idempotent, and an earlier attempt may have failed to.
    await ports.storage.deleteAll(keysOf(result.file));
    return result.changed ? "rejected" : "duplicate";
  }
  if (!result.changed) return "duplicate";
  return result.file.status === "ready" ? "ready" : "uploaded";
}
