import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { startTestCloud, type TestCloud } from "@platform/local-cloud";
import imaging from "../../service.ts";

/** A local platform running the imaging service alone, shared by a test file. */
export function startPlatform(): Promise<TestCloud> {
  return startTestCloud({ manifests: [imaging] });
}

/** A tmp/ key as the upload service would choose it, for a new file id. */
export function tmpKey(purpose: string, extension: string, entity = "user-1") {
  const fileId = crypto.randomUUID();
  return { fileId, key: `tmp/${purpose}/${entity}/${fileId}_${Date.now()}.${extension}` };
}

/** Puts bytes where a client's upload would land; answers the ETag as S3's event carries it. */
export async function upload(cloud: TestCloud, key: string, body: Buffer, contentType: string) {
  const { ETag } = await cloud.s3.send(
    new PutObjectCommand({
      Bucket: cloud.names.bucket,
      Key: key,
      Body: body,
      ContentType: contentType,
    }),
  );
  return (ETag ?? "").replaceAll('"', "");
}

export interface SeenEvent {
  id: string;
  detailType: string;
  metadata: { eventId: string };
  data: Record<string, unknown>;
}

/** Every platform event about one file since `from`, read from the bus's archive. */
export async function eventsAbout(
  cloud: TestCloud,
  from: Date,
  fileId: string,
): Promise<SeenEvent[]> {
  await cloud.settle();
  const archive = cloud.events.archive(cloud.names.archive);
  if (!archive) throw new Error(`no archive ${cloud.names.archive}`);
  const seen: SeenEvent[] = [];
  for await (const event of archive.between(from, new Date(Date.now() + 60_000))) {
    const detail = event.detail as {
      metadata?: { eventId: string };
      data?: Record<string, unknown>;
    };
    if (!detail?.metadata || detail.data?.fileId !== fileId) continue;
    seen.push({
      id: event.id,
      detailType: event["detail-type"],
      metadata: detail.metadata,
      data: detail.data,
    });
  }
  return seen;
}

/** Whether an object is in the bucket. */
export async function exists(cloud: TestCloud, key: string): Promise<boolean> {
  try {
    await cloud.s3.send(new HeadObjectCommand({ Bucket: cloud.names.bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}
