import {
  type ApiRequest,
  dispatch as dispatchRoute,
  json,
  type Logger,
  type RouteHandler as Route,
} from "@platform/http-api";
import type { Ports } from "../ports.ts";
import { routes as fileRoutes } from "./files.ts";
import { routes as formRoutes } from "./form.ts";
import { routes as multipartRoutes } from "./multipart.ts";
import { openApiDocument } from "./openapi.ts";
import { routes as uploadRoutes } from "./uploads.ts";

export type RouteHandler = Route<Ports>;

export const routes: Record<string, RouteHandler> = {
  "GET /health": async () => json(200, { status: "ok" }),
  "GET /openapi.json": async () => json(200, openApiDocument()),
  ...uploadRoutes,
  ...multipartRoutes,
  ...formRoutes,
  ...fileRoutes,
};

export type { Logger };

/** One of this API's routes, answered with every failure as a problem+json (@platform/http-api). */
export const dispatch = (req: ApiRequest, ports: Ports, logger: Logger) =>
  dispatchRoute(routes, req, ports, logger);
