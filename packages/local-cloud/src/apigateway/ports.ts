/**
 * Seams of the local API Gateway: the JWT authorizer (and the local OIDC issuer behind it) of the
 * HTTP API, and the functions both APIs (HTTP with JWTs, REST with API keys) route requests to.
 */

/** A claim value as API Gateway passes it to the handler (`requestContext.authorizer.jwt.claims`). */
export type ClaimValue = string | number | boolean | string[];

export type AuthorizationResult =
  | { ok: true; claims: Record<string, ClaimValue>; scopes: string[] }
  /** The response API Gateway itself sends: status, JSON body and headers (e.g. www-authenticate). */
  | { ok: false; status: 401 | 403; body: { message: string }; headers: Record<string, string> };

export interface JwtAuthorizer {
  /** Checks the Authorization header against the issuer, audiences, algorithms and the route's scopes. */
  authorize(
    authorization: string | undefined,
    requiredScopes: string[],
  ): Promise<AuthorizationResult>;
}

/** Runs a function the way API Gateway's Lambda integration does; matches LambdaRuntime.invoke. */
export interface FunctionInvoker {
  invoke(
    name: string,
    payload: string,
  ): Promise<
    | { ok: true; payload: string }
    | { ok: false; error: { errorType: string; errorMessage: string }; timedOut: boolean }
  >;
}
