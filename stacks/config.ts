/** Deployment settings that differ per stage; read from the environment `sst deploy` runs in. */
export interface PlatformConfig {
  /** OIDC issuer whose tokens the API accepts (Cognito, Auth0, ...): `https://issuer.example.com/`. */
  authIssuer: string;
  /** The audience (`aud`) tokens must carry: the API's client id or identifier. */
  authAudiences: string[];
  /** Origins allowed to upload from a browser and call the API. */
  corsOrigins: string[];
  /** Days the bus archive keeps events for replay. */
  archiveRetentionDays: number;
  /** Days before unpromoted objects under tmp/ and incomplete multipart uploads are removed. */
  tmpExpiryDays: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

export function readConfig(env: Record<string, string | undefined>): PlatformConfig {
  const authIssuer = env.PLATFORM_AUTH_ISSUER;
  const authAudiences = list(env.PLATFORM_AUTH_AUDIENCE);
  if (!authIssuer || !/^https:\/\//.test(authIssuer))
    throw new ConfigError(
      "PLATFORM_AUTH_ISSUER must be the https URL of your OIDC issuer (see README, Deploy)",
    );
  if (authAudiences.length === 0)
    throw new ConfigError(
      "PLATFORM_AUTH_AUDIENCE must name the audience your tokens carry (see README, Deploy)",
    );
  const corsOrigins = list(env.PLATFORM_CORS_ORIGINS);
  return {
    authIssuer,
    authAudiences,
    corsOrigins: corsOrigins.length > 0 ? corsOrigins : ["*"],
    archiveRetentionDays: days(env, "PLATFORM_ARCHIVE_DAYS", 30),
    tmpExpiryDays: days(env, "PLATFORM_TMP_EXPIRY_DAYS", 1),
  };
}

function days(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 3650)
    throw new ConfigError(`${name} must be a whole number of days from 1 to 3650, not "${raw}"`);
  return value;
}
