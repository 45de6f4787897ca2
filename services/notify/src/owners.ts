import { FileRequested, parse } from "@platform/events";
import type { Ports } from "./ports.ts";

/**
 * Keeps whose file each requested upload is, so that the "received" notice for S3's event,
 * which names only a key, can say whose bytes arrived and reach that owner's webhooks.
 */
export async function recordOwner(ports: Pick<Ports, "owners" | "now">, raw: unknown) {
  const event = parse(FileRequested, raw);
  const { fileId, ownerId, purpose, entityId } = event.detail.data;
  await ports.owners.record(fileId, { ownerId, purpose, entityId }, ports.now());
  return { fileId };
}
