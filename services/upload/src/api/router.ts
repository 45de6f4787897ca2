import {
  type ApiRequest,
  type ApiResponse,
  HttpProblem,
  internalError,
  json,
  problem,
} from "@platform/http-api";
import type { Ports } from "../ports.ts";
import { routes as fileRoutes } from "./files.ts";
import { routes as formRoutes } from "./form.ts";
import { routes as multipartRoutes } from "./multipart.ts";
import { openApiDocument } from "./openapi.ts";
import { routes as uploadRoutes } from "./uploads.ts";

export type RouteHandler = (req: ApiRequest, ports: Ports) => Promise<ApiResponse>;

export const routes: Record<string, RouteHandler> = {
  "GET /health": async () => json(200, { status: "ok" }),
  "GET /openapi.json": async () => json(200, openApiDocument()),
  ...uploadRoutes,
  ...multipartRoutes,
  ...formRoutes,
  ...fileRoutes,
};

export interface Logger {
  error(message: string, details: Record<string, unknown>): void;
}

/** Runs the route's logic; every failure becomes a problem+json answer. */
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
