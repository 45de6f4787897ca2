import { apiCors, type Wiring } from "@platform/manifest";
import type { PlatformConfig } from "./config.ts";

/** The HTTP API: every route a manifest serves, behind the JWT authorizer unless declared public. */
export function createApi(
  wiring: Wiring,
  config: PlatformConfig,
  functions: Record<string, sst.aws.Function>,
) {
  const cors = apiCors(config.corsOrigins);
  const api = new sst.aws.ApiGatewayV2("Api", {
    cors: {
      allowOrigins: cors.allowOrigins,
      allowMethods: cors.allowMethods,
      allowHeaders: cors.allowHeaders,
      exposeHeaders: cors.exposeHeaders,
      maxAge: `${cors.maxAgeSeconds} seconds`,
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
