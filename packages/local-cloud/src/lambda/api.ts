import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, readBody, sendAwsJsonError, sendJson } from "../http.ts";
import type { LambdaRuntime } from "./runtime.ts";

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const SYNC_LIMIT = 6 * 1024 * 1024;
const ASYNC_LIMIT = 1024 * 1024;

export function isLambdaRequest(path: string): boolean {
  return path.startsWith("/2015-03-31/functions");
}

/** Lambda's REST API: Invoke (RequestResponse, Event, DryRun) and ListFunctions. */
export function createLambdaApi(runtime: LambdaRuntime) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://local");
    const error = (status: number, code: string, message: string) =>
      sendAwsJsonError(res, status, code, message, "application/json");

    if (req.method === "GET" && /^\/2015-03-31\/functions\/?$/.test(url.pathname)) {
      const functions = runtime
        .names()
        .map((name) => ({ FunctionName: name, FunctionArn: runtime.arnOf(name) }));
      return sendJson(res, 200, { Functions: functions });
    }
    const match = INVOKE.exec(url.pathname);
    if (req.method !== "POST" || !match?.[1])
      return error(404, "UnknownOperationException", "Unknown operation");

    const requested = decodeURIComponent(match[1]);
    const name = runtime.resolve(requested);
    if (!name)
      return error(
        404,
        "ResourceNotFoundException",
        `Function not found: ${runtime.arnOf(requested)}`,
      );

    const type = String(req.headers["x-amz-invocation-type"] ?? "RequestResponse");
    let payload: string;
    try {
      payload =
        (await readBody(req, type === "Event" ? ASYNC_LIMIT : SYNC_LIMIT)).toString("utf8") || "{}";
    } catch (e) {
      if (e instanceof BodyTooLargeError)
        return error(
          413,
          "RequestEntityTooLargeException",
          `Request must be smaller than ${e.limit} bytes for the InvokeFunction operation`,
        );
      throw e;
    }
    try {
      JSON.parse(payload);
    } catch (e) {
      return error(
        400,
        "InvalidRequestContentException",
        `Could not parse request body into json: ${(e as Error).message}`,
      );
    }
    const clientContext = parseClientContext(req.headers["x-amz-client-context"]);
    if (clientContext === false)
      return error(
        400,
        "InvalidRequestContentException",
        "Client context must be a valid Base64-encoded JSON object.",
      );

    if (type === "DryRun") return sendJson(res, 204, undefined);
    if (type === "Event") {
      // As Lambda does: ClientContext reaches the function on synchronous invocations only.
      runtime.invokeAsync(name, payload);
      return sendJson(res, 202, undefined);
    }
    if (type !== "RequestResponse")
      return error(400, "InvalidParameterValueException", `Unsupported invocation type ${type}`);

    const result = await runtime.invoke(name, payload, { clientContext });
    const headers = { "x-amz-executed-version": "$LATEST" };
    if (result.ok) {
      res.writeHead(200, { ...headers, "content-type": "application/json" });
      return void res.end(result.payload);
    }
    const body = JSON.stringify(result.error);
    res.writeHead(200, {
      ...headers,
      "content-type": "application/json",
      "x-amz-function-error": "Unhandled",
    });
    res.end(body);
  };
}

/** The header carries base64 JSON; false when it is present but not that. */
function parseClientContext(header: string | string[] | undefined): unknown {
  if (typeof header !== "string" || header === "") return undefined;
  try {
    return JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    return false;
  }
}
