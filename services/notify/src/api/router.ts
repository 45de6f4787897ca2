import { type ApiRequest, dispatch as dispatchRoute, json, type Logger } from "@platform/http-api";
import type { Ports } from "../ports.ts";
import { openApiDocument } from "./openapi.ts";
import { type RouteHandler, webhookRoutes } from "./routes.ts";

export const routes: Record<string, RouteHandler> = {
  "GET /webhooks/openapi.json": async () => json(200, openApiDocument()),
  ...webhookRoutes,
};

export type { Logger };

/** One of this API's routes, answered with every failure as a problem+json (@platform/http-api). */
export const dispatch = (req: ApiRequest, ports: Ports, logger: Logger) =>
  dispatchRoute(routes, req, ports, logger);
