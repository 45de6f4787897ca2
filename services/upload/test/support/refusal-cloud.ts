import { ApiKeys, type TestCloud } from "@platform/local-cloud";

/** The detail-types published about one file so far. */
export async function eventsAbout(cloud: TestCloud, fileId: string): Promise<string[]> {
  return (await cloud.platformEvents())
    .filter((event) => event.data.fileId === fileId)
    .map((event) => event.detailType);
}

export async function runSweep(cloud: TestCloud, graceSeconds: number): Promise<string[]> {
  const result = await cloud.lambda.invoke(
    cloud.names.functionName("UploadSweep"),
    JSON.stringify({ graceSeconds }),
  );
  if (!result.ok) throw new Error(`the sweep failed: ${JSON.stringify(result.error)}`);
  return (JSON.parse(result.payload) as { expired: string[] }).expired;
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
