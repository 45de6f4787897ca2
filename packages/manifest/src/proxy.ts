import { z } from "zod";
import type { Wiring } from "./wiring.ts";

/**
 * What the invoke-proxy knows of the operations: for each, the function behind it (a component
 * id, resolved to a name through the proxy's SST links) and the services allowed to call it.
 * Derived from the wiring and handed to the proxy in one environment variable, by the stacks and
 * the local cloud alike.
 */
export const PLATFORM_OPERATIONS = "PLATFORM_OPERATIONS";

export const ProxyOperation = z.object({
  target: z.string().regex(/^[A-Z][a-zA-Z0-9]*$/, "a function id in PascalCase"),
  callers: z.array(z.string().min(1)),
});
export const ProxyOperations = z.record(z.string().min(1), ProxyOperation);
export type ProxyOperation = z.infer<typeof ProxyOperation>;
export type ProxyOperations = z.infer<typeof ProxyOperations>;

export function proxyOperations(wiring: Wiring): ProxyOperations {
  return Object.fromEntries(
    wiring.operations.map((op) => [op.name, { target: op.target, callers: [...op.callers] }]),
  );
}

/** The environment the proxy function gets on top of its links. */
export function proxyEnvironment(wiring: Wiring): Record<typeof PLATFORM_OPERATIONS, string> {
  return { [PLATFORM_OPERATIONS]: JSON.stringify(proxyOperations(wiring)) };
}

/** Reads the variable back; throws an error naming what is wrong with it. */
export function parseProxyOperations(value: string | undefined): ProxyOperations {
  if (value === undefined || value === "")
    throw new Error(`${PLATFORM_OPERATIONS} is not set: the proxy knows no operations`);
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (error) {
    throw new Error(`${PLATFORM_OPERATIONS} is not JSON: ${(error as Error).message}`);
  }
  const parsed = ProxyOperations.safeParse(json);
  if (!parsed.success)
    throw new Error(`${PLATFORM_OPERATIONS} is malformed: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
