import type { GatewayError } from "./http-errors.ts";
import type { EventAuthorizer } from "./payload.ts";
import type { JwtAuthorizer } from "./ports.ts";
import type { HttpRoute } from "./routes.ts";

export type RouteAuthorization =
  | { ok: true; authorizer: EventAuthorizer | undefined }
  | { ok: false; refusal: GatewayError; reason: string };

/**
 * Who may call a route. Public routes: anyone. JWT routes: a bearer token the authorizer accepts
 * for the route's scopes. HTTP APIs have no API keys: an x-api-key header is just another header,
 * and server-to-server clients with keys go through the REST API (rest-api.ts).
 */
export async function authorizeRoute(
  route: HttpRoute,
  headers: Record<string, string>,
  authorizer: JwtAuthorizer,
): Promise<RouteAuthorization> {
  if (route.auth === "public") return { ok: true, authorizer: undefined };
  const result = await authorizer.authorize(headers.authorization, route.scopes);
  if (!result.ok) return { ok: false, refusal: result, reason: "JWT refused" };
  // API Gateway passes `scopes: null`, not an empty list, for a token without scopes.
  const scopes = result.scopes.length > 0 ? result.scopes : null;
  return { ok: true, authorizer: { jwt: { claims: result.claims, scopes } } };
}
