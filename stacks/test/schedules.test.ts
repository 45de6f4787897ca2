import type { ServiceManifest } from "@platform/manifest";
import { beforeAll, describe, expect, it } from "vitest";
import type { PlatformConfig } from "../config.ts";
import { platform } from "../index.ts";
import { manifests } from "../manifests.ts";
import { type SynthesizedResource, synthesize } from "./harness.ts";

const config: PlatformConfig = {
  authIssuer: "https://issuer.example.com/",
  authAudiences: ["file-platform"],
  corsOrigins: ["*"],
  archiveRetentionDays: 30,
  tmpExpiryDays: 1,
};

/** A service with one scheduled function and one that nothing schedules. */
const sweeper: ServiceManifest = {
  name: "sweeper",
  description: "Sweeps every night.",
  functions: {
    sweep: { handler: "src/handlers/sweep.handler", description: "sweeps" },
    report: { handler: "src/handlers/report.handler", description: "not scheduled" },
  },
  schedules: {
    nightly: { description: "the nightly sweep", function: "sweep", schedule: "cron(0 3 * * ? *)" },
  },
};

let resources: SynthesizedResource[] = [];
const named = (type: string, name: string) => {
  const found = resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
};
const LAMBDA = "aws:lambda/function:Function";
const PERMISSION = "aws:lambda/permission:Permission";
const ASYNC_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig";

beforeAll(async () => {
  resources = await synthesize(() => platform([...manifests, sweeper], config));
});

describe("schedules", () => {
  it("create a scheduled rule on the default bus with the manifest's expression", () => {
    const rule = named("aws:cloudwatch/eventRule:EventRule", "SweeperNightlyRule");
    expect(rule.inputs).toMatchObject({
      scheduleExpression: "cron(0 3 * * ? *)",
      state: "ENABLED",
      description: "sweeper: the nightly sweep",
    });
    expect(rule.inputs.eventBusName).toBeUndefined();
    expect(rule.inputs.eventPattern).toBeUndefined();
  });

  it("target the scheduled function, which receives EventBridge's own Scheduled Event", () => {
    const target = named("aws:cloudwatch/eventTarget:EventTarget", "SweeperNightlyTarget");
    expect(target.inputs).toMatchObject({
      arn: named(LAMBDA, "SweeperSweepFunction").state.arn,
      rule: named("aws:cloudwatch/eventRule:EventRule", "SweeperNightlyRule").state.name,
    });
    // A constant input would replace the event.
    expect(target.inputs.input).toBeUndefined();
  });

  it("let EventBridge invoke that function for that rule, and no other function", () => {
    const ruleArn = named("aws:cloudwatch/eventRule:EventRule", "SweeperNightlyRule").state.arn;
    const grants = resources.filter(
      (r) =>
        r.type === PERMISSION &&
        r.inputs.principal === "events.amazonaws.com" &&
        r.inputs.sourceArn === ruleArn,
    );
    expect(grants.map((g) => g.inputs.function)).toEqual([
      named(LAMBDA, "SweeperSweepFunction").state.arn,
    ]);
    expect(grants[0]?.inputs.action).toBe("lambda:InvokeFunction");
    const report = named(LAMBDA, "SweeperReportFunction").state;
    const reportGrants = resources.filter(
      (r) =>
        r.type === PERMISSION && [report.arn, report.name].includes(r.inputs.function as string),
    );
    expect(reportGrants).toEqual([]);
  });

  it("give the scheduled function, and only it, retries and a failure queue", () => {
    expect(named(ASYNC_CONFIG, "SweeperSweepAsyncConfig").inputs).toMatchObject({
      maximumRetryAttempts: 2,
      destinationConfig: {
        onFailure: {
          destination: named("aws:sqs/queue:Queue", "SweeperSweepFailuresQueue").state.arn,
        },
      },
    });
    expect(resources.filter((r) => r.name === "SweeperReportAsyncConfig")).toEqual([]);
  });
});
