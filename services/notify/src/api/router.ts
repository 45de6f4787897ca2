import {
  type ApiRequest,
  type ApiResponse,
  HttpProblem,
  internalError,
  json,
  problem,
} from "@platform/http-api";
import type { Ports } from "../ports.ts";
import { openApiDocument } from "./openapi.ts";
import { type RouteHandler, webhookRoutes } from "./routes.ts";

export const routes: Record<string, RouteHandler> = {
  "GET /webhooks/openapi.json": async () => json(200, openApiDocument()),
  ...webhookRoutes,
};

export interface Logger {
  error(message: string, details: Record<string, unknown>): void;
}

/**
 * Runs the route's logic; every failure becomes a problem+json answer. Logs name the route and
 * the request only: never a body, a URL or a secret.
 */
export async function dispatch(
  req: ApiRequest,
  ports: Ports,
  logger: Logger,
): Promise<ApiResponse> {
  const route = routes[req.routeKey];
  try {
    if (!route) throw new HttpProblem(404, "no-route", "Not found", `no route ${req.routeKey}`);
    return await route(req, ports);
  } catch (error) {
    if (error instanceof HttpProblem) return problem(error, req.requestId);
    logger.error("request failed", {
      routeKey: req.routeKey,
      requestId: req.requestId,
      error:
        error instanceof Error
          ? { name: error.name, message: error.message, stack: error.stack }
          : String(error),
    });
    return internalError(req.requestId);
  }
}
