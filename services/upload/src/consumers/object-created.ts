import { type FileRecord, keysOf, objectArrived } from "../files.ts";
import { parseTmpKey } from "../keys.ts";
import { applyChange } from "../lifecycle.ts";
import type { Ports } from "../ports.ts";

export interface ArrivedEvent {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  eventId: string;
}

export type ArrivalOutcome = "uploaded" | "rejected" | "duplicate" | "unknown";

/** Whether the stored bytes hash to the declared sha256 (S3's own checksum when it kept one). */
async function sha256Matches(ports: Ports, file: FileRecord, storedChecksum: string | undefined) {
  if (!file.sha256) return undefined;
  if (storedChecksum) return Buffer.from(storedChecksum, "base64").toString("hex") === file.sha256;
  return (await ports.storage.sha256(file.key)) === file.sha256;
}

/**
 * Bytes landed under tmp/: the file becomes `uploaded` if they are what was declared (size, type,
 * checksum), else `rejected` and its objects are removed. A repeat of the event changes nothing.
 */
export async function objectCreated(ports: Ports, event: ArrivedEvent): Promise<ArrivalOutcome> {
  const parts = parseTmpKey(event.key);
  const file = parts && (await ports.files.get(parts.fileId));
  if (!file || file.key !== event.key) return "unknown";
  let checks: { contentType: string | undefined; sha256Matches: boolean | undefined } | undefined;
  if (!file.uploaded) {
    const stored = await ports.storage.head(event.key);
    // Gone already (deleted, or a later event for an object since replaced): nothing to check.
    if (!stored) return "unknown";
    checks = {
      contentType: stored.contentType,
      sha256Matches: await sha256Matches(ports, file, stored.checksumSha256),
    };
  }
  const at = ports.now().toISOString();
  const result = await applyChange(ports, file.fileId, (current) =>
    checks ? objectArrived(current, { ...event, ...checks }, at, null) : undefined,
  );
  if (!result?.changed) return "duplicate";
  if (result.file.status === "rejected") {
    await ports.storage.deleteAll(keysOf(result.file));
    return "rejected";
  }
  return "uploaded";
}
