import { HttpProblem } from "./problems.ts";
import type { ApiRequest, ApiResponse } from "./request.ts";
import { internalError, problem } from "./respond.ts";

export type RouteHandler<Ports> = (req: ApiRequest, ports: Ports) => Promise<ApiResponse>;

export interface Logger {
  error(message: string, details: Record<string, unknown>): void;
}

/**
 * Runs the route's logic; every failure becomes a problem+json answer. An unplanned failure is
 * logged with the route and the request id only (never a body, a URL or a secret), and the
 * client sees the request id alone.
 */
export async function dispatch<Ports>(
  routes: Readonly<Record<string, RouteHandler<Ports>>>,
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
