import type { ApiKeys } from "./api-keys.ts";
import type { GatewayError } from "./http-errors.ts";
import type { EventAuthorizer } from "./payload.ts";
import type { JwtAuthorizer } from "./ports.ts";
import type { HttpRoute } from "./routes.ts";

export type RouteAuthorization =
  | { ok: true; authorizer: EventAuthorizer | undefined }
  | { ok: false; refusal: GatewayError; reason: string };

/**
 * Who may call a route. Public routes: anyone. JWT routes: a bearer token the authorizer accepts
 * for the route's scopes, or, when the API has API keys, an x-api-key header instead (a server
 * client). A key grants every JWT route: in AWS, route scopes bind only JWT authorizers, and the
 * Lambda REQUEST authorizer that enforces keys there passes the key's identity as its context.
 */
export async function authorizeRoute(
  route: HttpRoute,
  headers: Record<string, string>,
  gate: { authorizer: JwtAuthorizer; apiKeys: ApiKeys | undefined },
): Promise<RouteAuthorization> {
  if (route.auth === "public") return { ok: true, authorizer: undefined };

  const apiKey = headers["x-api-key"];
  if (gate.apiKeys && apiKey !== undefined) {
    const check = await gate.apiKeys.check(apiKey);
    if (!check.ok) return { ok: false, refusal: check, reason: "API key refused" };
    return {
      ok: true,
      authorizer: {
        lambda: { apiKeyId: check.apiKeyId, owner: check.owner, principalType: "apiKey" },
      },
    };
  }

  const result = await gate.authorizer.authorize(headers.authorization, route.scopes);
  if (!result.ok) return { ok: false, refusal: result, reason: "JWT refused" };
  // API Gateway passes `scopes: null`, not an empty list, for a token without scopes.
  const scopes = result.scopes.length > 0 ? result.scopes : null;
  return { ok: true, authorizer: { jwt: { claims: result.claims, scopes } } };
}
