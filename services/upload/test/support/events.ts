import type { TestCloud } from "@platform/local-cloud";

export interface SeenEvent {
  id: string;
  detailType: string;
  metadata: { eventId: string; correlationId: string; causationId: string | null; actor: unknown };
  data: Record<string, unknown>;
}

/** Every platform event the bus received since `from`, oldest first, read from its archive. */
export async function busEvents(cloud: TestCloud, from: Date): Promise<SeenEvent[]> {
  await cloud.settle();
  const archive = cloud.events.archive(cloud.names.archive);
  if (!archive) throw new Error(`no archive ${cloud.names.archive}`);
  const seen: SeenEvent[] = [];
  for await (const event of archive.between(from, new Date(Date.now() + 60_000))) {
    const detail = event.detail as Partial<Pick<SeenEvent, "metadata" | "data">>;
    if (!detail?.metadata) continue;
    seen.push({
      id: event.id,
      detailType: event["detail-type"],
      metadata: detail.metadata,
      data: detail.data ?? {},
    });
  }
  return seen;
}

/** The events about one file, by detail-type. */
export async function fileEvents(cloud: TestCloud, from: Date, fileId: string) {
  return (await busEvents(cloud, from)).filter((e) => e.data.fileId === fileId);
}
