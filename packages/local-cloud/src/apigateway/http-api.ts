import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { BodyTooLargeError, listenOn, readBody } from "../http.ts";
import { LOCAL_ACCOUNT } from "../names.ts";
import {
  type HttpApiCors,
  isPreflight,
  preflightHeaders,
  responseCorsHeaders,
  validateCors,
  withoutCorsHeaders,
} from "./cors.ts";
import { authorizeRoute } from "./http-auth.ts";
import { type GatewayError, gatewayError } from "./http-errors.ts";
import {
  invokeIntegration,
  LAMBDA_PAYLOAD_LIMIT,
  newShortRequestId,
  traceId,
} from "./integration.ts";
import { buildEvent, collectHeaders } from "./payload.ts";
import { MalformedResponseError, mapIntegrationResult } from "./payload-response.ts";
import type { FunctionInvoker, JwtAuthorizer } from "./ports.ts";
import { type HttpRoute, RouteTable, splitTarget } from "./routes.ts";

export interface HttpApiOptions {
  /** 0 picks a free port. */
  port: number;
  host?: "127.0.0.1";
  routes: HttpRoute[];
  invoker: FunctionInvoker;
  authorizer: JwtAuthorizer;
  cors: HttpApiCors;
  /** API Gateway's own maximum (and default) is 30 s. */
  integrationTimeoutMs?: number;
  /** API Gateway's payload limit: 10 MB. */
  maxBodyBytes?: number;
  stage?: "$default";
  log?: (line: string) => void;
}

export interface HttpApi {
  url: string;
  stop(): Promise<void>;
}

/** The local API's id, in the shape of API Gateway's (ten lower-case letters and digits). */
export const LOCAL_API_ID = "localhttp0";

/**
 * The platform's HTTP API on loopback, with API Gateway's semantics for HTTP APIs: routes, the
 * JWT authorizer, CORS, Lambda proxy integrations with payload format 2.0, and API Gateway's own
 * answers to what never reaches a function. No API keys: HTTP APIs have none (see rest-api.ts).
 */
export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  validateCors(options.cors);
  const table = new RouteTable(options.routes);
  const log = options.log ?? (() => {});
  const timeoutMs = options.integrationTimeoutMs ?? 30_000;
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const stage = options.stage ?? "$default";

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string) {
    const started = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    const { encodedPath, rawQueryString } = splitTarget(req.url ?? "/");
    const { headers, cookies } = collectHeaders(req.rawHeaders);
    const cors = responseCorsHeaders(options.cors, headers.origin);

    const send = (
      status: number,
      body: Buffer | string,
      extra: Record<string, string | string[]>,
      note = "",
    ) => {
      res.writeHead(status, {
        ...extra,
        ...cors,
        "content-length": Buffer.byteLength(body),
        "apigw-requestid": requestId,
      });
      res.end(body);
      log(`http-api: ${method} ${encodedPath} -> ${status} (${Date.now() - started} ms)${note}`);
    };
    const refuse = (error: GatewayError, note = "", extra: Record<string, string> = {}) =>
      send(
        error.status,
        JSON.stringify(error.body),
        { "content-type": "application/json", ...error.headers, ...extra },
        note,
      );

    const match = table.match(method, encodedPath);
    // API Gateway answers preflights itself, unless a route of its own takes OPTIONS.
    if (isPreflight(method, headers) && !match) {
      const allowed = preflightHeaders(options.cors, headers);
      res.writeHead(204, { ...allowed, "apigw-requestid": requestId });
      res.end();
      log(`http-api: preflight ${encodedPath} -> 204 (${allowed ? "allowed" : "refused"})`);
      return;
    }

    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      // The rest of the body is not worth reading: close the connection after the answer.
      return refuse(gatewayError(413), "", { connection: "close" });
    }
    if (!match) return refuse(gatewayError(404));
    const { route } = match;

    const auth = await authorizeRoute(route, headers, options.authorizer);
    if (!auth.ok) return refuse(auth.refusal, ` (${auth.reason})`);

    const now = Date.now();
    const address = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
    const forwardedFor = headers["x-forwarded-for"];
    const event = JSON.stringify(
      buildEvent({
        method,
        encodedPath,
        rawQueryString,
        protocol: `HTTP/${req.httpVersion}`,
        headers: {
          ...headers,
          "x-amzn-trace-id": traceId(now),
          "x-forwarded-for": forwardedFor ? `${forwardedFor}, ${address}` : address,
          "x-forwarded-port": String(req.socket.localPort ?? ""),
          "x-forwarded-proto": "http",
        },
        cookies,
        body,
        routeKey: match.routeKey,
        pathParameters: match.pathParameters,
        authorizer: auth.authorizer,
        sourceIp: address,
        requestId,
        timeEpoch: now,
        accountId: LOCAL_ACCOUNT.accountId,
        apiId: LOCAL_API_ID,
        stage,
      }),
    );
    if (Buffer.byteLength(event) > LAMBDA_PAYLOAD_LIMIT)
      return refuse(gatewayError(413), " (event over Lambda's 6 MB)");

    const outcome = await invokeIntegration(options.invoker, route.functionName, event, timeoutMs);
    if (outcome.kind === "timeout") return refuse(gatewayError(503), " (integration timeout)");
    if (outcome.kind === "error") return refuse(gatewayError(500), ` (${outcome.detail})`);
    if (Buffer.byteLength(outcome.payload) > LAMBDA_PAYLOAD_LIMIT)
      return refuse(gatewayError(500), " (result over Lambda's 6 MB)");
    try {
      const response = mapIntegrationResult(outcome.payload);
      send(response.status, response.body, withoutCorsHeaders(response.headers));
    } catch (error) {
      if (!(error instanceof MalformedResponseError)) throw error;
      refuse(gatewayError(500), ` (malformed response: ${error.message})`);
    }
  }

  const server = http.createServer((req, res) => {
    // The same value as the event's requestContext.requestId.
    const requestId = newShortRequestId();
    handle(req, res, requestId).catch((error: unknown) => {
      log(`http-api: ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`);
      if (res.headersSent) return res.destroy();
      const { status, body } = gatewayError(500);
      res.writeHead(status, { "content-type": "application/json", "apigw-requestid": requestId });
      res.end(JSON.stringify(body));
    });
  });
  const { port, stop } = await listenOn(server, options.port, options.host);
  return { url: `http://127.0.0.1:${port}`, stop };
}
