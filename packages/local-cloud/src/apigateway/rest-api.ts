import { randomUUID } from "node:crypto";
import http, {
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import { SERVER_API_BINARY_TYPES } from "@platform/manifest";
import { BodyTooLargeError, listenOn, readBody } from "../http.ts";
import { LOCAL_ACCOUNT } from "../names.ts";
import type { ApiKeys } from "./api-keys.ts";
import {
  invokeIntegration,
  LAMBDA_PAYLOAD_LIMIT,
  newShortRequestId,
  traceId,
} from "./integration.ts";
import { MalformedResponseError } from "./payload-response.ts";
import type { FunctionInvoker } from "./ports.ts";
import { bodyTooLarge, keyRefusal, REST_REFUSALS, type RestRefusal } from "./rest-errors.ts";
import {
  buildRestEvent,
  collectRestHeaders,
  headerValue,
  isBinaryMediaType,
} from "./rest-payload.ts";
import { BinaryConversionError, mapRestProxyResult } from "./rest-response.ts";
import { type Route, RouteTable, splitTarget } from "./routes.ts";

export interface RestApiOptions {
  /** 0 picks a free port. */
  port: number;
  host?: "127.0.0.1";
  /** Every route requires an API key (`apiKeyRequired`), as the platform's REST API declares. */
  routes: Route[];
  invoker: FunctionInvoker;
  apiKeys: ApiKeys;
  /** The stage the API is deployed to; its name prefixes every path. */
  stage?: string;
  /** REST APIs' default (and, without a quota increase, maximum): 29 s. */
  integrationTimeoutMs?: number;
  /** API Gateway's payload limit: 10 MB. */
  maxBodyBytes?: number;
  /** Request bodies of these types reach the function base64-encoded; defaults to the platform's. */
  binaryMediaTypes?: string[];
  log?: (line: string) => void;
}

export interface RestApi {
  /** The invoke URL, stage included (`http://127.0.0.1:<port>/prod`), as AWS's default endpoint. */
  url: string;
  stop(): Promise<void>;
}

/** The local REST API's id, in the shape of API Gateway's (ten lower-case letters and digits). */
export const LOCAL_REST_API_ID = "localrest0";
/** The binary media types the platform's REST API declares (the stacks set the same). */
export const PLATFORM_BINARY_MEDIA_TYPES = SERVER_API_BINARY_TYPES;

/** requestContext's ids, which every answer also carries as headers. */
interface RequestIds {
  requestId: string;
  extendedRequestId: string;
}

const idHeaders = (ids: RequestIds) => ({
  "x-amzn-RequestId": ids.requestId,
  "x-amz-apigw-id": ids.extendedRequestId,
});

/** The path after `/<stage>`, or undefined for a path outside the stage. */
function withoutStage(encodedPath: string, stage: string): string | undefined {
  const prefix = `/${stage}`;
  if (encodedPath === prefix) return "/";
  return encodedPath.startsWith(`${prefix}/`) ? encodedPath.slice(prefix.length) : undefined;
}

/**
 * The platform's REST API (API Gateway v1) on loopback, for server-to-server clients: routes
 * under the stage, API keys checked against their usage plans, Lambda proxy integrations with
 * payload format 1.0, and REST APIs' own answers to what never reaches a function.
 */
export async function startRestApi(options: RestApiOptions): Promise<RestApi> {
  const stage = options.stage ?? "prod";
  if (!/^[A-Za-z0-9_-]+$/.test(stage))
    throw new Error(`stage name ${stage}: only letters, digits, hyphens and underscores`);
  const table = new RouteTable(options.routes, { decodeParameters: false });
  const log = options.log ?? (() => {});
  const timeoutMs = options.integrationTimeoutMs ?? 29_000;
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const binaryMediaTypes = options.binaryMediaTypes ?? PLATFORM_BINARY_MEDIA_TYPES;

  async function handle(req: IncomingMessage, res: ServerResponse, ids: RequestIds) {
    const started = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    const { encodedPath, rawQueryString } = splitTarget(req.url ?? "/");
    const headers = collectRestHeaders(req.rawHeaders);

    const send = (status: number, body: Buffer | string, extra: OutgoingHttpHeaders, note = "") => {
      res.writeHead(status, {
        ...extra,
        "content-length": Buffer.byteLength(body),
        ...idHeaders(ids),
      });
      res.end(body);
      log(`rest-api: ${method} ${encodedPath} -> ${status} (${Date.now() - started} ms)${note}`);
    };
    const refuse = (refusal: RestRefusal, note = "", extra: Record<string, string> = {}) =>
      send(refusal.status, refusal.body, { ...refusal.headers, ...extra }, note);

    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      // The rest of the body is not worth reading: close the connection after the answer.
      return refuse(bodyTooLarge(maxBodyBytes), "", { connection: "close" });
    }
    const resourcePath = withoutStage(encodedPath, stage);
    const match = resourcePath === undefined ? undefined : table.match(method, resourcePath);
    if (resourcePath === undefined || !match)
      return refuse(REST_REFUSALS.missingAuthenticationToken);

    const key = headerValue(headers, "x-api-key");
    if (key === undefined) return refuse(REST_REFUSALS.forbidden, " (no API key)");
    const check = await options.apiKeys.check(key);
    if (!check.ok) return refuse(keyRefusal(check), ` (API key refused: ${check.status})`);

    const now = Date.now();
    const sourceIp = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
    const event = JSON.stringify(
      buildRestEvent({
        method,
        resourcePath,
        rawQueryString,
        protocol: `HTTP/${req.httpVersion}`,
        headers,
        body,
        binaryMediaTypes,
        resource: match.route.path,
        pathParameters: match.pathParameters,
        apiKey: { key, id: check.apiKeyId },
        sourceIp,
        localPort: req.socket.localPort ?? 0,
        traceId: traceId(now),
        ...ids,
        timeEpoch: now,
        accountId: LOCAL_ACCOUNT.accountId,
        apiId: LOCAL_REST_API_ID,
        stage,
      }),
    );
    if (Buffer.byteLength(event) > LAMBDA_PAYLOAD_LIMIT)
      return refuse(REST_REFUSALS.requestTooLong, " (event over Lambda's 6 MB)");

    const functionName = match.route.functionName;
    const outcome = await invokeIntegration(options.invoker, functionName, event, timeoutMs);
    if (outcome.kind === "timeout")
      return refuse(REST_REFUSALS.integrationTimeout, " (integration timeout)");
    if (outcome.kind === "error")
      return refuse(REST_REFUSALS.integrationFailure, ` (${outcome.detail})`);
    if (Buffer.byteLength(outcome.payload) > LAMBDA_PAYLOAD_LIMIT)
      return refuse(REST_REFUSALS.integrationFailure, " (result over Lambda's 6 MB)");
    // API Gateway looks only at the first type the client accepts.
    const accept = headerValue(headers, "accept")?.split(",")[0];
    try {
      const response = mapRestProxyResult(
        outcome.payload,
        isBinaryMediaType(accept, binaryMediaTypes),
      );
      send(response.status, response.body, response.headers);
    } catch (error) {
      if (error instanceof MalformedResponseError)
        return refuse(REST_REFUSALS.integrationFailure, ` (malformed response: ${error.message})`);
      if (error instanceof BinaryConversionError)
        return refuse(REST_REFUSALS.internalError, ` (${error.message})`);
      throw error;
    }
  }

  const server = http.createServer((req, res) => {
    const ids = { requestId: randomUUID(), extendedRequestId: newShortRequestId() };
    handle(req, res, ids).catch((error: unknown) => {
      log(`rest-api: ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`);
      if (res.headersSent) return res.destroy();
      const { status, body, headers } = REST_REFUSALS.internalError;
      res.writeHead(status, { ...headers, ...idHeaders(ids) });
      res.end(body);
    });
  });
  const { port, stop } = await listenOn(server, options.port, options.host);
  return { url: `http://127.0.0.1:${port}/${stage}`, stop };
}
