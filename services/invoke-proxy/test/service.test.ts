import { proxyPlaceholder } from "@platform/local-cloud";
import { PROXY_FUNCTION, validateService } from "@platform/manifest";
import { describe, expect, it } from "vitest";
import proxy from "../service.ts";

describe("invoke-proxy manifest", () => {
  it("is sound on its own and declares the proxy function", () => {
    expect(validateService(proxy)).toEqual([]);
    expect(Object.keys(proxy.functions)).toEqual([PROXY_FUNCTION]);
  });

  it("publishes its call records on the bus and never calls through itself", () => {
    expect(proxy.functions.proxy.link).toEqual(["Bus"]);
  });

  it("is reached only by invocation: no subscriptions, routes or operations of its own", () => {
    expect(proxy.subscriptions).toBeUndefined();
    expect(proxy.routes).toBeUndefined();
    expect(proxy.operations).toBeUndefined();
  });

  it("is what a service's test platform runs in its place: same handler, links and timeout", () => {
    const { description: _, ...placeholder } = proxyPlaceholder.functions.proxy ?? {};
    const { description: __, ...real } = proxy.functions.proxy;
    expect(placeholder).toEqual(real);
    expect(proxyPlaceholder.root).toBe(proxy.root);
  });
});
