/**
 * Keys imaging reads and writes. Uploads arrive as `tmp/<purpose>/<entity>/<fileId>_<ms>.<ext>`
 * (chosen by the upload service); the original is promoted to `<purpose>/<entity>/origin/<name>`
 * and each variant written to `<purpose>/<entity>/<size>/<fileId>_<ms>.<webp|jpg>`.
 */
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const TMP_KEY = new RegExp(
  `^tmp/([a-z][a-z-]*)/([A-Za-z0-9][A-Za-z0-9_-]*)/((${UUID})_(\\d+))\\.([a-z0-9]+)$`,
);

export interface SourceKey {
  key: string;
  purpose: string;
  entityId: string;
  fileId: string;
  /** `<fileId>_<ms>`: the name every derived object shares. */
  stem: string;
  extension: string;
}

/** The parts of a tmp/ key, or undefined for a key the platform did not choose. */
export function parseSourceKey(key: string): SourceKey | undefined {
  const match = TMP_KEY.exec(key);
  if (!match) return undefined;
  const [, purpose = "", entityId = "", stem = "", fileId = "", , extension = ""] = match;
  return { key, purpose, entityId, fileId, stem, extension };
}

export function originKey(source: SourceKey): string {
  return `${source.purpose}/${source.entityId}/origin/${source.stem}.${source.extension}`;
}

export function variantKey(source: SourceKey, size: number, format: "webp" | "jpeg"): string {
  const extension = format === "jpeg" ? "jpg" : format;
  return `${source.purpose}/${source.entityId}/${size}/${source.stem}.${extension}`;
}
