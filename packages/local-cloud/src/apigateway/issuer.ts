/**
 * A local OIDC issuer on loopback: just the two documents API Gateway's JWT authorizer reads
 * (discovery and JWKS). Tokens come from `mintToken` / `npm run token`, not from a login flow.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sendJson } from "../http.ts";
import {
  loadOrCreateSigningKey,
  publicJwkOf,
  readIssuerRecord,
  writeIssuerRecord,
} from "./issuer-store.ts";

export interface LocalIssuerOptions {
  dataDir: string;
  /** 0 picks a free port. Left out, the port of the last run is reused, so its tokens stay valid. */
  port?: number;
  host?: "127.0.0.1";
}

export interface LocalIssuer {
  /** The `iss` of its tokens, e.g. `http://127.0.0.1:4100`; also in `<dataDir>/issuer/issuer.json`. */
  issuer: string;
  jwksUri: string;
  stop(): Promise<void>;
}

const DISCOVERY_PATH = "/.well-known/openid-configuration";
const JWKS_PATH = "/.well-known/jwks.json";

export async function startLocalIssuer(options: LocalIssuerOptions): Promise<LocalIssuer> {
  const { dataDir } = options;
  const host = options.host ?? "127.0.0.1";
  await loadOrCreateSigningKey(dataDir);
  let issuer = "";
  const server = createServer((req, res) => {
    serve(req, res, dataDir, issuer).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      sendJson(res, 500, { message: `local issuer failed: ${(error as Error).message}` });
    });
  });
  const port = await listen(server, host, await candidatePorts(dataDir, options.port));
  issuer = `http://${host}:${port}`;
  const jwksUri = `${issuer}${JWKS_PATH}`;
  await writeIssuerRecord(dataDir, { issuer, jwksUri });
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
    return stopped;
  };
  return { issuer, jwksUri, stop };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  dataDir: string,
  issuer: string,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD") {
    return sendJson(res, 405, { message: "Method Not Allowed" }, { allow: "GET, HEAD" });
  }
  if (path === DISCOVERY_PATH) {
    // The fields a relying party needs to verify tokens. No authorization or token endpoint:
    // nothing here logs anyone in.
    return sendJson(res, 200, {
      issuer,
      jwks_uri: `${issuer}${JWKS_PATH}`,
      response_types_supported: ["token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      claims_supported: ["iss", "sub", "aud", "iat", "nbf", "exp", "jti", "scope", "client_id"],
    });
  }
  if (path === JWKS_PATH) {
    // Read per request, so a key replaced on disk (a rotation) is published at once.
    const key = await loadOrCreateSigningKey(dataDir);
    return sendJson(res, 200, { keys: [publicJwkOf(key)] });
  }
  sendJson(res, 404, { message: "Not Found" });
}

/**
 * The ports to try, in order. Left out, the previous run's port comes first so the issuer URL
 * (every token's `iss`) survives restarts, then any free port if that one is now taken.
 */
async function candidatePorts(dataDir: string, port: number | undefined): Promise<number[]> {
  if (port !== undefined) return [port];
  const record = await readIssuerRecord(dataDir);
  const previous = record ? Number(new URL(record.issuer).port) : 0;
  return previous > 0 ? [previous, 0] : [0];
}

async function listen(server: Server, host: string, ports: number[]): Promise<number> {
  const [port = 0, ...rest] = ports;
  try {
    return await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  } catch (error) {
    const taken = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
    if (!taken || rest.length === 0) throw error;
    return listen(server, host, rest);
  }
}
