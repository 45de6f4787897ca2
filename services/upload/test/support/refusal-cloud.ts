import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { ApiKeys, type TestCloud } from "@platform/local-cloud";

/** The detail-types published about one file so far. */
export async function eventsAbout(cloud: TestCloud, fileId: string): Promise<string[]> {
  return (await cloud.platformEvents())
    .filter((event) => event.data.fileId === fileId)
    .map((event) => event.detailType);
}

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
