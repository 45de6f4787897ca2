import { defineOperation } from "@platform/events";
import { describe, expect, it } from "vitest";
import {
  assertValidManifests,
  ManifestError,
  type ServiceManifest,
  validateManifests,
  validateService,
} from "../src/index.ts";
import { samplePlatform } from "./fixtures.ts";

/** Breaks one manifest of the sample platform and returns what validation says. */
function problemsAfter(edit: (manifests: ServiceManifest[]) => void): string[] {
  const manifests = samplePlatform();
  edit(manifests);
  return validateManifests(manifests);
}

const byName = (manifests: ServiceManifest[], name: string) => {
  const found = manifests.find((m) => m.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};

describe("validateService", () => {
  it("checks one manifest on its own, without the rest of the platform", () => {
    const [, imaging] = samplePlatform();
    if (!imaging) throw new Error("fixture changed");
    expect(validateService(imaging)).toEqual([]);
    const sub = imaging.subscriptions?.onReady;
    if (sub) sub.function = "ghost";
    expect(validateService(imaging)).toEqual([
      'service "imaging", subscription "onReady": handler function "ghost" is not declared',
    ]);
  });
});

describe("validateManifests", () => {
  it("accepts a sound platform", () => {
    expect(validateManifests(samplePlatform())).toEqual([]);
  });

  it("refuses a subscription whose handler function is not declared", () => {
    const problems = problemsAfter((m) => {
      const sub = byName(m, "imaging").subscriptions?.onReady;
      if (sub) sub.function = "missing";
    });
    expect(problems).toEqual([
      'service "imaging", subscription "onReady": handler function "missing" is not declared',
    ]);
  });

  it("refuses an operation with an unknown caller", () => {
    const problems = problemsAfter((m) => {
      const op = byName(m, "imaging").operations?.["imaging.describe"];
      if (op) op.callers = ["caller", "nobody"];
    });
    expect(problems).toEqual([
      'service "imaging", operation "imaging.describe": unknown caller "nobody"',
    ]);
  });

  it("refuses a caller that has no function linked to the proxy", () => {
    const problems = problemsAfter((m) => {
      const api = byName(m, "caller").functions.api;
      if (api) api.link = ["CallerFiles"];
    });
    expect(problems).toEqual([
      'service "imaging", operation "imaging.describe": caller "caller" has no function linked to InvokeProxy',
    ]);
  });

  it("refuses an operation whose contract the proxy cannot find in operationContracts", () => {
    const problems = problemsAfter((m) => {
      const op = byName(m, "imaging").operations?.["imaging.describe"];
      if (op) op.contract = defineOperation({ ...op.contract });
    });
    expect(problems).toEqual([
      'service "imaging", operation "imaging.describe": its contract is not listed in operationContracts (@platform/events)',
    ]);
  });

  it("refuses an operation whose name is not the service's or not its contract's", () => {
    const problems = problemsAfter((m) => {
      const imaging = byName(m, "imaging");
      const op = imaging.operations?.["imaging.describe"];
      if (op) imaging.operations = { "audit.describe": op };
    });
    expect(problems).toContain(
      'service "imaging", operation "audit.describe": contract is "imaging.describe"',
    );
    expect(problems).toContain(
      'service "imaging", operation "audit.describe": name must start with "imaging."',
    );
  });

  it("refuses a link to another service's table and to an unknown resource", () => {
    const problems = problemsAfter((m) => {
      const process = byName(m, "imaging").functions.process;
      if (process) process.link = ["CallerFiles", "Nope"];
    });
    expect(problems).toEqual([
      'service "imaging", function "process": links "CallerFiles", which belongs to service "caller" (ask it through an event or an operation)',
      'service "imaging", function "process": links unknown resource "Nope"',
    ]);
  });

  it("refuses a platform without the invoke-proxy", () => {
    const problems = validateManifests(samplePlatform().filter((m) => m.name !== "invoke-proxy"));
    expect(problems).toEqual([
      'no "invoke-proxy" service with a "proxy" function: cross-service calls have no door',
    ]);
  });

  it("refuses the same route served twice, and a route to an undeclared function", () => {
    const problems = problemsAfter((m) => {
      byName(m, "imaging").routes = { "GET /health": { function: "ghost", auth: "public" } };
    });
    expect(problems).toEqual([
      'service "imaging", route "GET /health": function "ghost" is not declared',
      'service "imaging", route "GET /health": also served by service "caller"',
    ]);
  });

  it("refuses malformed handlers, routes and public routes with scopes", () => {
    const problems = problemsAfter((m) => {
      const caller = byName(m, "caller");
      const api = caller.functions.api;
      if (api) api.handler = "api.ts";
      caller.routes = {
        "FETCH things": { function: "api", auth: "public", scopes: ["x"] },
      } as never;
    });
    expect(problems).toEqual([
      'service "caller", function "api": handler "api.ts" must look like src/handlers/<file>.<export>',
      'service "caller", route "FETCH things": must be "<METHOD> /<path>"',
      'service "caller", route "FETCH things": a public route cannot require scopes',
    ]);
  });

  it("refuses duplicate services, clashing resource names and table keys missing from fields", () => {
    const problems = problemsAfter((m) => {
      const imaging = byName(m, "imaging");
      imaging.tables = {
        CallerFiles: {
          description: "x",
          fields: { id: "string" },
          primaryIndex: { hashKey: "id" },
        },
        Bus: {
          description: "y",
          fields: { id: "string" },
          primaryIndex: { hashKey: "pk", rangeKey: "sk" },
        },
      };
      m.push({ ...imaging, tables: {} });
    });
    expect(problems).toEqual([
      'service "imaging": resource "CallerFiles" is already owned by caller',
      'service "imaging": resource "Bus" is already owned by the platform',
      'service "imaging" is declared twice',
      'service "imaging", table "Bus": key "pk" is not in fields',
      'service "imaging", table "Bus": key "sk" is not in fields',
      'service "imaging", operation "imaging.describe": also exposed by service "imaging"',
    ]);
  });

  it("refuses a topic subscription to a topic nobody owns, or with an undeclared handler", () => {
    const problems = problemsAfter((m) => {
      byName(m, "imaging").topicSubscriptions = {
        notices: { description: "n", topic: "Nowhere", function: "ghost" },
      };
    });
    expect(problems).toEqual([
      'service "imaging", topic subscription "notices": handler function "ghost" is not declared',
      'service "imaging", topic subscription "notices": no manifest owns a topic "Nowhere"',
    ]);
  });

  it("refuses a schedule with an undeclared function or an expression EventBridge would reject", () => {
    const problems = problemsAfter((m) => {
      byName(m, "imaging").schedules = {
        nightly: { description: "n", function: "ghost", schedule: "cron(0 3 * * *)" },
        hourly: { description: "h", function: "describe", schedule: "rate(2 hour)" },
        sound: { description: "s", function: "describe", schedule: "rate(1 day)" },
      };
    });
    expect(problems).toEqual([
      'service "imaging", schedule "nightly": function "ghost" is not declared',
      'service "imaging", schedule "nightly": "cron(0 3 * * *)" must have six fields: cron(minutes hours day-of-month month day-of-week year)',
      'service "imaging", schedule "hourly": "rate(2 hour)" must say rate(2 hours)',
    ]);
  });

  it("refuses retry policies EventBridge would reject", () => {
    const problems = problemsAfter((m) => {
      const sub = byName(m, "imaging").subscriptions?.onReady;
      if (sub) sub.retry = { maximumRetryAttempts: 200, maximumEventAgeSeconds: 10 };
    });
    expect(problems).toEqual([
      'service "imaging", subscription "onReady": maximumRetryAttempts must be 0..185',
      'service "imaging", subscription "onReady": maximumEventAgeSeconds must be 60..86400',
    ]);
  });

  it("throws every problem at once as a ManifestError", () => {
    const manifests = samplePlatform().filter((m) => m.name !== "invoke-proxy");
    expect(() => assertValidManifests(manifests)).toThrow(ManifestError);
    expect(() => assertValidManifests(manifests)).toThrow(/cross-service calls have no door/);
  });
});
