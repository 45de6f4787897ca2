import { ManifestError, type ServiceManifest } from "@platform/manifest";
import { describe, expect, it } from "vitest";
import { ConfigError, type PlatformConfig, readConfig } from "../config.ts";
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

/** The real manifests, with one service replaced by a changed copy. */
function withChange(
  service: string,
  change: (m: ServiceManifest) => ServiceManifest,
): ServiceManifest[] {
  return manifests.map((m) => (m.name === service ? change(m) : m));
}

describe("a broken manifest stops the deploy before any resource exists", () => {
  it("refuses a subscription whose handler function is not declared", async () => {
    const broken = withChange("imaging", (m) => ({
      ...m,
      subscriptions: Object.fromEntries(
        Object.entries(m.subscriptions ?? {}).map(([name, sub]) => [
          name,
          { ...sub, function: "resize" },
        ]),
      ),
    }));
    const created: SynthesizedResource[] = [];
    const attempt = synthesize(() => platform(broken, config), created);
    await expect(attempt).rejects.toThrow(ManifestError);
    await expect(attempt).rejects.toThrow(
      'service "imaging", subscription "processUploads": handler function "resize" is not declared',
    );
    expect(created).toEqual([]);
  });

  it("refuses an operation with an unknown caller", async () => {
    const broken = withChange("audit", (m) => ({
      ...m,
      operations: Object.fromEntries(
        Object.entries(m.operations ?? {}).map(([name, op]) => [
          name,
          { ...op, callers: ["upload", "billing"] },
        ]),
      ),
    }));
    await expect(synthesize(() => platform(broken, config))).rejects.toThrow(
      'service "audit", operation "audit.history": unknown caller "billing"',
    );
  });
});

describe("topic subscriptions", () => {
  it("subscribe the function with its filter policy, and let only that topic invoke it", async () => {
    const subscriber: ServiceManifest = {
      name: "listener",
      description: "Listens to notices.",
      functions: { listen: { handler: "src/handlers/listen.handler", description: "listens" } },
      topicSubscriptions: {
        profiles: {
          description: "profile notices",
          topic: "Notifications",
          function: "listen",
          filterPolicy: { purpose: ["profile"] },
        },
      },
    };
    const resources = await synthesize(() => platform([...manifests, subscriber], config));
    const topic = resources.find(
      (r) => r.type === "aws:sns/topic:Topic" && r.name === "NotificationsTopic",
    );
    const fn = resources.find(
      (r) => r.type === "aws:lambda/function:Function" && r.name === "ListenerListenFunction",
    );
    const subscriptions = resources.filter(
      (r) => r.type === "aws:sns/topicSubscription:TopicSubscription",
    );
    expect(subscriptions.map((s) => s.inputs)).toEqual([
      {
        topic: topic?.state.arn,
        protocol: "lambda",
        endpoint: fn?.state.arn,
        filterPolicy: JSON.stringify({ purpose: ["profile"] }),
        filterPolicyScope: "MessageAttributes",
      },
    ]);
    const permission = resources.find((r) => r.name === "ListenerProfilesInvoke");
    expect(permission?.inputs).toMatchObject({
      principal: "sns.amazonaws.com",
      sourceArn: topic?.state.arn,
      function: fn?.state.name,
    });
    const asyncConfig = resources.find((r) => r.name === "ListenerListenAsyncConfig");
    expect(asyncConfig?.inputs).toMatchObject({ maximumRetryAttempts: 2 });
  });
});

describe("deployment settings", () => {
  it("reads issuer, audiences and origins, with defaults for the rest", () => {
    expect(
      readConfig({
        PLATFORM_AUTH_ISSUER: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_x",
        PLATFORM_AUTH_AUDIENCE: "web, mobile",
      }),
    ).toEqual({
      authIssuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_x",
      authAudiences: ["web", "mobile"],
      corsOrigins: ["*"],
      archiveRetentionDays: 30,
      tmpExpiryDays: 1,
    });
  });

  it("refuses a missing or non-https issuer, a missing audience, and nonsense numbers", () => {
    expect(() => readConfig({ PLATFORM_AUTH_AUDIENCE: "web" })).toThrow(ConfigError);
    expect(() =>
      readConfig({ PLATFORM_AUTH_ISSUER: "http://issuer", PLATFORM_AUTH_AUDIENCE: "web" }),
    ).toThrow("PLATFORM_AUTH_ISSUER must be the https URL of your OIDC issuer");
    expect(() => readConfig({ PLATFORM_AUTH_ISSUER: "https://issuer" })).toThrow(
      "PLATFORM_AUTH_AUDIENCE must name the audience your tokens carry",
    );
    expect(() =>
      readConfig({
        PLATFORM_AUTH_ISSUER: "https://i",
        PLATFORM_AUTH_AUDIENCE: "web",
        PLATFORM_TMP_EXPIRY_DAYS: "soon",
      }),
    ).toThrow("PLATFORM_TMP_EXPIRY_DAYS must be a whole number of days from 1 to 3650");
  });
});
