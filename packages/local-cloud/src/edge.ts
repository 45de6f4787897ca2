import { randomUUID } from "node:crypto";
import http, { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isLambdaRequest } from "./lambda/api.ts";
import { isSnsRequest } from "./sns/service.ts";

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface EdgeRoutes {
  s3: Handler;
  events: Handler;
  lambda: Handler;
  /** DynamoDB's JSON API, forwarded to DynamoDB Local. */
  dynamodb: Handler;
  sns: Handler;
  /** The local cloud's own endpoints under /_local/ (health, dead letters, schedules). */
  admin: Handler;
}

/** The service a request is for, read the way AWS's front doors do: target header, path, signing scope. */
export function routeOf(req: IncomingMessage): keyof EdgeRoutes {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (path.startsWith("/_local/")) return "admin";
  const target = String(req.headers["x-amz-target"] ?? "");
  if (target.startsWith("AWSEvents.")) return "events";
  if (target.startsWith("DynamoDB_")) return "dynamodb";
  if (isLambdaRequest(path)) return "lambda";
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([a-z0-9-]+)\//.exec(
    String(req.headers.authorization ?? ""),
  );
  if (scope?.[1] === "events") return "events";
  if (scope?.[1] === "dynamodb") return "dynamodb";
  if (scope?.[1] === "lambda") return "lambda";
  // SNS: signed for "sns", or the confirmation/unsubscribe links and the signing certificate.
  if (isSnsRequest(req)) return "sns";
  return "s3";
}

/** One loopback endpoint for every service, so AWS_ENDPOINT_URL alone points the SDK and CLI here. */
export async function startEdge(
  routes: EdgeRoutes,
  port: number,
  log?: (line: string) => void,
): Promise<{ server: Server; url: string }> {
  const server = http.createServer((req, res) => {
    const route = routeOf(req);
    routes[route](req, res).catch((error: unknown) => {
      log?.(
        `edge: ${route} ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`,
      );
      if (res.headersSent) return res.destroy();
      const body = JSON.stringify({
        __type: "InternalFailure",
        message: "The local cloud failed to handle this request; see its log.",
      });
      res.writeHead(500, { "content-type": "application/json", "x-amzn-requestid": randomUUID() });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${address.port}` };
}

/** Forwards a request as is (signature included) to another local server. */
export function forwardTo(endpoint: string): Handler {
  const target = new URL(endpoint);
  return (req, res) =>
    new Promise<void>((resolve, reject) => {
      const upstream = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
          reply.on("end", resolve);
          reply.on("error", reject);
        },
      );
      upstream.on("error", reject);
      req.pipe(upstream);
    });
}
