import type { TestCloud } from "@platform/local-cloud";

/** The platform events about one file since `from`, oldest first. */
export async function fileEvents(cloud: TestCloud, from: Date, fileId: string) {
  return (await cloud.platformEvents(from)).filter((e) => e.data.fileId === fileId);
}
