import { Resource } from "sst/resource";
import { createInvoker, type Invoke, type Invoker } from "./client.ts";

let invoker: Invoker | undefined;

/**
 * The invoker of a platform function: the proxy it is linked to (`InvokeProxy`), the service
 * name its environment carries (`PLATFORM_SERVICE`, set by the stacks and the local cloud), and
 * one Lambda client for the execution environment. Created on first use.
 */
function functionInvoker(): Invoker {
  if (invoker) return invoker;
  const caller = process.env.PLATFORM_SERVICE;
  if (!caller) throw new Error("PLATFORM_SERVICE is not set: this function cannot name itself");
  const linked = Resource as unknown as Record<string, { name?: string } | undefined>;
  const proxyName = "InvokeProxy" in linked ? linked.InvokeProxy?.name : undefined;
  if (!proxyName)
    throw new Error("InvokeProxy is not linked to this function (no SST_RESOURCE_InvokeProxy)");
  invoker = createInvoker({ lambda: {}, proxyName, caller });
  return invoker;
}

/** Calls an operation through the invoke-proxy, as the service this function belongs to. */
export const invoke: Invoke = (async (...args: Parameters<Invoke>) =>
  functionInvoker().invoke(...args)) as Invoke;
