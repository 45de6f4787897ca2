import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { ApiKeys, type TestCloud } from "@platform/local-cloud";
// The local cloud's key store, as its own REST API tests create keys; the package exports no door to it.

/** Whether the uploads bucket holds `key`, asked with a real HeadObject. */
export async function stored(cloud: TestCloud, key: string): Promise<boolean> {
  try {
    await cloud.s3.send(new HeadObjectCommand({ Bucket: cloud.names.bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
      return false;
    throw error;
  }
}

/** The detail-types published about one file so far, read from the platform bus's archive. */
export async function eventsAbout(cloud: TestCloud, fileId: string): Promise<string[]> {
  await cloud.settle();
  const archive = cloud.events.archive(cloud.names.archive);
  if (!archive) throw new Error("the platform bus has no archive");
  const types: string[] = [];
  const until = new Date(Date.now() + 24 * 3600 * 1000);
  for await (const event of archive.between(new Date(0), until)) {
    const data = (event.detail as { data?: { fileId?: unknown } } | null)?.data;
    if (data?.fileId === fileId) types.push(event["detail-type"]);
  }
  return types;
}

/** Runs the sweep now, through the Lambda API as a manual run would; returns the ids it expired. */
export async function runSweep(cloud: TestCloud, graceSeconds: number): Promise<string[]> {
  const lambda = new LambdaClient(cloud.clientConfig);
  try {
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: cloud.names.functionName("UploadSweep"),
        Payload: JSON.stringify({ graceSeconds }),
      }),
    );
    const payload = JSON.parse(Buffer.from(result.Payload ?? []).toString("utf8"));
    if (result.FunctionError) throw new Error(`the sweep failed: ${JSON.stringify(payload)}`);
    return (payload as { expired: string[] }).expired;
  } finally {
    lambda.destroy();
  }
}

/** A server client's API key for the REST door, with room for every request a test makes. */
export async function createApiKey(cloud: TestCloud, owner: string): Promise<string> {
  const keys = new ApiKeys(cloud.credentialsDir);
  const { key } = await keys.create({
    name: `${owner}-server`,
    owner,
    plan: { rateLimit: 1000, burstLimit: 1000, quotaPerDay: 1_000_000 },
  });
  return key;
}
