import type { Wiring } from "@platform/manifest";

/** Identity of the local account: fixed, well-known development values, not secrets. */
export const LOCAL_ACCOUNT = {
  accountId: "000000000000",
  region: "us-east-1",
  accessKeyId: "AKIALOCALPLATFORM000",
  secretAccessKey: "local-platform-development-secret",
} as const;

export interface AppIdentity {
  name: string;
  stage: string;
}

/**
 * Physical names of the platform's resources, as a stage would name them in the cloud, and the
 * properties each link exposes to functions (what SST puts in SST_RESOURCE_<Name>).
 */
export function resourceNames(wiring: Wiring, app: AppIdentity, account = LOCAL_ACCOUNT) {
  const prefix = `${app.name}-${app.stage}`;
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${account.region}:${account.accountId}:${resource}`;
  const bus = `${prefix}-bus`;
  const archive = `${prefix}-archive`;
  const bucket = `${prefix}-uploads`.toLowerCase();
  const proxy = `${prefix}-invoke-proxy`;
  const functionName = (id: string) => (id === wiring.proxy.id ? proxy : id);
  const tables = Object.fromEntries(wiring.tables.map((t) => [t.id, `${prefix}-${t.id}`]));
  const topics = Object.fromEntries(wiring.topics.map((t) => [t.id, `${prefix}-${t.id}`]));

  const links: Record<string, Record<string, string>> = {
    Bus: { name: bus, arn: arn("events", `event-bus/${bus}`), type: "sst.aws.Bus" },
    Uploads: { name: bucket, type: "sst.aws.Bucket" },
    InvokeProxy: { name: proxy, arn: arn("lambda", `function:${proxy}`), type: "sst.sst.Linkable" },
  };
  for (const [id, name] of Object.entries(tables)) links[id] = { name, type: "sst.aws.Dynamo" };
  for (const [id, name] of Object.entries(topics))
    links[id] = { arn: arn("sns", name), type: "sst.aws.SnsTopic" };
  for (const fn of wiring.functions)
    links[fn.id] = { name: functionName(fn.id), type: "sst.aws.Function" };

  return { bus, archive, bucket, proxy, tables, topics, functionName, links };
}
