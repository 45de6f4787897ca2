import { type GatewayEvent, toApiRequest } from "@platform/http-api";
import { livePorts } from "../adapters/live.ts";
import { dispatch } from "../api/router.ts";

/** The webhooks API, from either door (JWT HTTP API or API-key REST API). */
export const handler = async (event: GatewayEvent) =>
  dispatch(toApiRequest(event), livePorts(), {
    error: (message, details) =>
      console.error(JSON.stringify({ level: "error", message, ...details })),
  });
