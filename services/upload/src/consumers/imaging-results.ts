import type { Variant } from "@platform/events";
import { imagingRejected, keysOf, type Original, progressed, variantsCreated } from "../files.ts";
import { applyChange } from "../lifecycle.ts";
import type { Ports } from "../ports.ts";

/** What imaging reports, reduced to what the files table needs. */
export type ImagingResult =
  | { kind: "progress"; fileId: string; done: number; total: number }
  | { kind: "variants"; fileId: string; original: Original; variants: Variant[] }
  | { kind: "rejected"; fileId: string; code: string; message: string };

const ENDED = new Set(["rejected", "deleted", "expired"]);

/**
 * Moves a file to processing, ready or rejected. Late, repeated and out-of-order reports change
 * nothing; variants made for a file that has meanwhile ended are removed, so none are orphaned,
 * and so are a rejected file's objects, on every report, in case an earlier removal failed.
 */
export async function imagingResult(
  ports: Ports,
  result: ImagingResult,
  causationId: string,
): Promise<"applied" | "ignored" | "unknown" | "purged"> {
  const at = ports.now().toISOString();
  const outcome = await applyChange(ports, result.fileId, (file) => {
    if (result.kind === "progress") return progressed(file, result, at);
    if (result.kind === "variants") return variantsCreated(file, result, at, causationId);
    return imagingRejected(file, result, at, causationId);
  });
  if (!outcome) return "unknown";
  const file = outcome.file;
  // A file refused before its bytes arrived has them removed by the arrival's consumer instead.
  const rejectedKeys = file.status === "rejected" && file.uploaded ? keysOf(file) : [];
  const orphans =
    !outcome.changed && result.kind === "variants" && ENDED.has(file.status)
      ? [result.original.key, ...result.variants.map((v) => v.key)]
      : [];
  const removals = [...new Set([...rejectedKeys, ...orphans])];
  if (removals.length > 0) await ports.storage.deleteAll(removals);
  if (outcome.changed) return "applied";
  return orphans.length > 0 ? "purged" : "ignored";
}
