import { expired } from "../files.ts";
import { applyChange } from "../lifecycle.ts";
import type { Ports } from "../ports.ts";

/**
 * How long after it falls due (its signed request's expiry plus a transfer allowance for its size,
 * see `sweepAtFor`) a pending file is swept: uploads in flight finish.
 */
export const DEFAULT_GRACE_SECONDS = 15 * 60;
/** How old owed events must be before the sweep publishes them: younger, their writer may still. */
export const STRANDED_AFTER_SECONDS = 60;
const PAGE = 100;

const secondsAgo = (ports: Ports, seconds: number) =>
  new Date(ports.now().getTime() - seconds * 1000).toISOString();

/**
 * On a schedule: marks pending files whose upload never arrived in time as `expired` (aborting
 * their multipart uploads and publishing upload.file.expired), then publishes the events that
 * files no longer pending still owe, since nothing else would change those rows again.
 */
export async function sweep(
  ports: Ports,
  graceSeconds = DEFAULT_GRACE_SECONDS,
): Promise<{ expired: string[]; drained: string[] }> {
  return {
    expired: await expirePending(ports, graceSeconds),
    drained: await drainStrandedOutboxes(ports),
  };
}

/** Returns the ids it expired. */
async function expirePending(ports: Ports, graceSeconds: number): Promise<string[]> {
  const before = secondsAgo(ports, graceSeconds);
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

/** Returns the ids that owe nothing any more. */
async function drainStrandedOutboxes(ports: Ports): Promise<string[]> {
  const before = secondsAgo(ports, STRANDED_AFTER_SECONDS);
  const drained: string[] = [];
  // A row a concurrent writer keeps marked is tried once per run, so a full page cannot loop.
  const tried = new Set<string>();
  for (;;) {
    const page = await ports.files.strandedOutboxes(before, PAGE);
    const fresh = page.filter((file) => !tried.has(file.fileId));
    for (const file of fresh) {
      tried.add(file.fileId);
      // Deciding nothing: applyChange first publishes what the row owes, under the ids recorded.
      const result = await applyChange(ports, file.fileId, () => undefined);
      if (result && result.file.outbox.length === 0) drained.push(file.fileId);
    }
    if (page.length < PAGE || fresh.length === 0) return drained;
  }
}
