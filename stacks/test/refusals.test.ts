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
