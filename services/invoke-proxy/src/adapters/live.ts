import { createPublisher, InvocationCompleted, operationContracts } from "@platform/events";
import { parseProxyOperations } from "@platform/manifest";
import { Resource } from "sst/resource";
import type { ProxyPorts } from "../ports.ts";
import { eventData } from "../record.ts";
import { eventBridge, lambda } from "./clients.ts";
import { invokeTarget } from "./target.ts";

const linked = Resource as unknown as Record<string, { name?: string } | undefined>;
const linkedName = (link: string) => (link in linked ? linked[link]?.name : undefined);

let ports: ProxyPorts | undefined;

/** The proxy's ports on Lambda, built once per execution environment. */
export function livePorts(): ProxyPorts {
  if (ports) return ports;
  const bus = linkedName("Bus");
  if (!bus) throw new Error("Bus is not linked to the invoke-proxy (no SST_RESOURCE_Bus)");
  const publisher = createPublisher({ client: eventBridge, eventBusName: bus });
  ports = {
    operations: parseProxyOperations(process.env.PLATFORM_OPERATIONS),
    contracts: operationContracts,
    functionName: linkedName,
    invokeTarget: (call) => invokeTarget(lambda, call),
    async publish(record, causationId) {
      await publisher.publish(InvocationCompleted, eventData(record), {
        actor: { type: "service", id: record.caller },
        correlationId: record.correlationId,
        causationId,
      });
    },
    // Written raw: Lambda's console adds a prefix to each line; the call log is pure JSON lines.
    writeLog: (line) => process.stdout.write(`${line}\n`),
    writeError: (line) => process.stderr.write(`${line}\n`),
    now: () => Date.now(),
    newId: () => crypto.randomUUID(),
  };
  return ports;
}
