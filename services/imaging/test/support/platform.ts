import { PutObjectCommand } from "@aws-sdk/client-s3";
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

/** Every platform event about one file since `from`, read back once everything has settled. */
export async function eventsAbout(cloud: TestCloud, from: Date, fileId: string) {
  return (await cloud.platformEvents(from)).filter((e) => e.data.fileId === fileId);
}
