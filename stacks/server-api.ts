import { SERVER_API_BINARY_TYPES, STANDARD_USAGE_PLAN, type Wiring } from "@platform/manifest";

/**
 * The server door: a REST API in front of the same functions, for server-to-server clients that
 * hold an API key. HTTP APIs have no API keys or usage plans; REST APIs enforce both natively
 * (403 without a valid key, 429 over the plan's rate or quota). Its Lambda integrations send
 * payload format 1.0. Keys are issued at run time and attached to a usage plan (see README).
 */
export function createServerApi(wiring: Wiring, functions: Record<string, sst.aws.Function>) {
  const api = new sst.aws.ApiGatewayV1("ServerApi", {
    endpoint: { type: "regional" },
    transform: {
      api: (args) => {
        args.binaryMediaTypes = SERVER_API_BINARY_TYPES;
        args.apiKeySource = "HEADER";
      },
    },
  });
  for (const route of wiring.routes.filter((r) => r.auth === "jwt")) {
    const fn = functions[route.target];
    if (!fn) throw new Error(`route ${route.key} targets ${route.target}, which was not created`);
    api.route(route.key, fn.arn, { apiKey: true });
  }
  api.deploy();
  const standard = api.addUsagePlan("StandardPlan", {
    throttle: { rate: STANDARD_USAGE_PLAN.rateLimit, burst: STANDARD_USAGE_PLAN.burstLimit },
    quota: { limit: STANDARD_USAGE_PLAN.quotaPerDay, period: "day" },
  });
  return { api, standard };
}
