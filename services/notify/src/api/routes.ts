import {
  type ApiRequest,
  badRequest,
  empty,
  HttpProblem,
  json,
  jsonBody,
  notFound,
  principalOf,
  type RouteHandler as Route,
  validate,
} from "@platform/http-api";
import { RefusedDestination } from "../destination.ts";
import type { Ports } from "../ports.ts";
import { MAX_WEBHOOKS_PER_OWNER } from "../settings.ts";
import { publicView, register, sendTest } from "../webhooks.ts";
import { CreateWebhook, IdParams, UpdateWebhook } from "./schemas.ts";

export type RouteHandler = Route<Ports>;

/** The caller's own webhook; anyone else's answers exactly like one that does not exist. */
async function ownWebhook(req: ApiRequest, ports: Ports) {
  const { ownerId } = principalOf(req);
  const { id } = validate(IdParams, req.params, "path");
  const webhook = await ports.webhooks.get(ownerId, id);
  if (!webhook) throw notFound(`no webhook ${id}`);
  return webhook;
}

async function create(req: ApiRequest, ports: Ports) {
  const { ownerId } = principalOf(req);
  const input = validate(CreateWebhook, jsonBody(req), "body");
  let created: Awaited<ReturnType<typeof register>>;
  try {
    created = await register(ports, ownerId, input);
  } catch (error) {
    if (!(error instanceof RefusedDestination)) throw error;
    throw badRequest("the url may not receive webhooks", [
      { in: "body", name: "url", detail: error.message },
    ]);
  }
  if (created === "limit")
    throw new HttpProblem(
      409,
      "webhook-limit",
      "Too many webhooks",
      `an owner may have at most ${MAX_WEBHOOKS_PER_OWNER} webhooks; delete one first`,
    );
  // The only answer that ever carries the secret.
  return json(
    201,
    { ...publicView(created), secret: created.secret },
    { location: `/webhooks/${created.id}` },
  );
}

async function list(req: ApiRequest, ports: Ports) {
  const { ownerId } = principalOf(req);
  return json(200, { items: (await ports.webhooks.list(ownerId)).map(publicView) });
}

async function remove(req: ApiRequest, ports: Ports) {
  const { ownerId } = principalOf(req);
  const { id } = validate(IdParams, req.params, "path");
  if (!(await ports.webhooks.remove(ownerId, id))) throw notFound(`no webhook ${id}`);
  return empty(204);
}

async function update(req: ApiRequest, ports: Ports) {
  const { ownerId } = principalOf(req);
  const { id } = validate(IdParams, req.params, "path");
  const { enabled } = validate(UpdateWebhook, jsonBody(req), "body");
  const updated = await ports.webhooks.setEnabled(ownerId, id, enabled, ports.now().toISOString());
  if (!updated) throw notFound(`no webhook ${id}`);
  return json(200, publicView(updated));
}

async function test(req: ApiRequest, ports: Ports) {
  return json(200, await sendTest(ports, await ownWebhook(req, ports)));
}

export const webhookRoutes: Record<string, RouteHandler> = {
  "POST /webhooks": create,
  "GET /webhooks": list,
  "DELETE /webhooks/{id}": remove,
  "PATCH /webhooks/{id}": update,
  "POST /webhooks/{id}/test": test,
};
