import { ScanCommand } from "@aws-sdk/client-dynamodb";
import type { SeenEvent, TestCloud } from "@platform/local-cloud";
import { functionId } from "@platform/manifest";

/** What the proxy logged: its stdout lines, each a JSON call record. */
export function proxyLog(cloud: TestCloud): Record<string, unknown>[] {
  return cloud
    .functionLogs(cloud.names.proxy)
    .filter((line) => line.stream === "stdout")
    .map((line) => JSON.parse(line.message));
}

/** The proxy.invocation.completed events published so far. */
export async function proxyEvents(cloud: TestCloud): Promise<SeenEvent[]> {
  return (await cloud.platformEvents()).filter(
    (e) => e.detailType === "proxy.invocation.completed",
  );
}

/** Every call the describe fixture received: its input and the ClientContext it saw. */
export async function describeCalls(cloud: TestCloud) {
  await cloud.settle();
  const { Items = [] } = await cloud.dynamodb.send(
    new ScanCommand({ TableName: cloud.names.tables.ImagingDescribeCalls }),
  );
  return Items.map((item) => ({
    fileId: item.fileId?.S,
    input: JSON.parse(item.input?.S ?? "null"),
    clientContext: JSON.parse(item.clientContext?.S ?? "null"),
  }));
}

/**
 * Makes a fixture caller service call an operation from inside the platform, as its functions
 * do: the real client, its PLATFORM_SERVICE and InvokeProxy link. The local runtime invokes the
 * fixture directly (no Lambda API), standing in for whatever would trigger it.
 */
export async function callAs(
  cloud: TestCloud,
  service: string,
  operation: string,
  input: unknown,
  options: object = {},
) {
  const name = cloud.names.functionName(functionId(service, "call"));
  const result = await cloud.lambda.invoke(name, JSON.stringify({ operation, input, options }));
  if (!result.ok) throw new Error(`${name} failed: ${result.error.errorMessage}`);
  return JSON.parse(result.payload);
}
