import type { Wiring } from "@platform/manifest";

/** The tables and topics that services own, exactly as their manifests declare them. */
export function createServiceData(wiring: Wiring) {
  const resources: Record<string, sst.aws.Dynamo | sst.aws.SnsTopic> = {};
  for (const table of wiring.tables) {
    resources[table.id] = new sst.aws.Dynamo(table.id, {
      fields: table.spec.fields,
      primaryIndex: table.spec.primaryIndex,
      globalIndexes: table.spec.globalIndexes,
      ttl: table.spec.ttl,
    });
  }
  for (const topic of wiring.topics) resources[topic.id] = new sst.aws.SnsTopic(topic.id);
  return resources;
}
