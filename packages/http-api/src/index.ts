// What every service's HTTP API shares: API Gateway's two payloads as one request, the caller,
// RFC 9457 problems and the answers built from them.
export * from "./dispatch.ts";
export * from "./openapi.ts";
export * from "./principal.ts";
export * from "./problems.ts";
export * from "./request.ts";
export * from "./respond.ts";
