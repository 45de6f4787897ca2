import { expired } from "../files.ts";
import { applyChange } from "../lifecycle.ts";
import type { Ports } from "../ports.ts";

/** How long after its signed request expires a pending file is swept: uploads in flight finish. */
export const DEFAULT_GRACE_SECONDS = 15 * 60;
const PAGE = 100;

/**
 * Marks pending files whose upload expired (and never arrived) as `expired`, aborting their
 * multipart uploads, and publishes upload.file.expired for each. Returns the ids it expired.
 */
export async function sweepExpired(
  ports: Ports,
  graceSeconds = DEFAULT_GRACE_SECONDS,
): Promise<string[]> {
  const before = new Date(ports.now().getTime() - graceSeconds * 1000).toISOString();
  const swept: string[] = [];
  for (;;) {
    const due = await ports.files.duePending(before, PAGE);
    for (const file of due) {
      if (file.multipartUploadId)
        await ports.storage.abortMultipart(file.key, file.multipartUploadId).catch(() => {});
      const at = ports.now().toISOString();
      const result = await applyChange(ports, file.fileId, (current) => expired(current, at));
      if (result?.changed) swept.push(file.fileId);
    }
    if (due.length < PAGE) return swept;
  }
}
