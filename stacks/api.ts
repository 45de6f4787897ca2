import type { Wiring } from "@platform/manifest";
import type { PlatformConfig } from "./config.ts";

/** The HTTP API: every route a manifest serves, behind the JWT authorizer unless declared public. */
export function createApi(
  wiring: Wiring,
  config: PlatformConfig,
  functions: Record<string, sst.aws.Function>,
) {
  const api = new sst.aws.ApiGatewayV2("Api", {
    cors: {
      allowOrigins: config.corsOrigins,
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      allowHeaders: ["authorization", "content-type", "x-api-key", "idempotency-key"],
      exposeHeaders: ["location", "retry-after"],
      maxAge: "1 hour",
    },
  });
  const jwt = api.addAuthorizer({
    name: "jwt",
    jwt: { issuer: config.authIssuer, audiences: config.authAudiences },
  });
  for (const route of wiring.routes) {
    const fn = functions[route.target];
    if (!fn) throw new Error(`route ${route.key} targets ${route.target}, which was not created`);
    api.route(
      route.key,
      fn.arn,
      route.auth === "jwt" ? { auth: { jwt: { authorizer: jwt.id, scopes: route.scopes } } } : {},
    );
  }
  return { api, jwt };
}
