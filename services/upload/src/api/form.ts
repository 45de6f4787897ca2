import type { RouteHandler } from "./router.ts";

export const routes: Record<string, RouteHandler> = {};
