import { createHmac, createPublicKey } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair, importJWK, type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalIssuer, startLocalIssuer } from "../src/apigateway/issuer.ts";
import { privateKeyPath } from "../src/apigateway/issuer-store.ts";
import { createJwtAuthorizer } from "../src/apigateway/jwt-authorizer.ts";
import type { JwtAuthorizer } from "../src/apigateway/ports.ts";
import { mintToken } from "../src/apigateway/token.ts";

let dataDir: string;
let issuer: LocalIssuer;
let authorizer: JwtAuthorizer;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "apigateway-jwt-"));
  issuer = await startLocalIssuer({ dataDir, port: 0 });
  // No jwks given: the authorizer discovers the keys through the issuer, over HTTP.
  authorizer = createJwtAuthorizer({ issuer: issuer.issuer, audiences: ["file-platform"] });
});

afterAll(async () => {
  await issuer.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** The refusal API Gateway sends for an invalid token, as in its troubleshooting page. */
function invalidToken(description: string, scope = "") {
  return {
    ok: false,
    status: 401,
    body: { message: "Unauthorized" },
    headers: {
      "www-authenticate": `Bearer scope="${scope}" error="invalid_token" error_description="${description}"`,
    },
  };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function claims(overrides: JWTPayload = {}): JWTPayload {
  const now = nowSeconds();
  const base = { iss: issuer.issuer, sub: "alice", aud: "file-platform", iat: now, nbf: now };
  return { ...base, exp: now + 300, ...overrides };
}

async function issuerJwk(): Promise<Record<string, string>> {
  return JSON.parse(await readFile(privateKeyPath(dataDir), "utf8"));
}

/** Signed with the issuer's own key; header fields may replace alg and kid. */
async function signed(payload: JWTPayload, header: Record<string, string> = {}): Promise<string> {
  const jwk = await issuerJwk();
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", kid: String(jwk.kid), ...header })
    .sign(await importJWK(jwk, "RS256"));
}

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("the JWT authorizer refuses", () => {
  it("a request without an Authorization header with 401 and a bare Bearer challenge", async () => {
    const expected = {
      ok: false,
      status: 401,
      body: { message: "Unauthorized" },
      headers: { "www-authenticate": "Bearer" },
    };
    expect(await authorizer.authorize(undefined, [])).toEqual(expected);
    expect(await authorizer.authorize("", [])).toEqual(expected);
  });

  it("a token that is not three segments, with golang-jwt's text as AWS sends it", async () => {
    const expected = invalidToken("token contains an invalid number of segments");
    expect(await authorizer.authorize("Bearer not-a-token", [])).toEqual(expected);
    expect(await authorizer.authorize("not-a-token", [])).toEqual(expected);
  });

  it("a token whose segments are not base64url JSON", async () => {
    expect(await authorizer.authorize("ab$c.def.ghi", [])).toEqual(
      invalidToken("illegal base64 data at input byte 2"),
    );
    const notJson = `${Buffer.from("nope").toString("base64url")}.${segment({})}.sig`;
    expect(await authorizer.authorize(notJson, [])).toEqual(invalidToken("token is malformed"));
    const token = await signed(claims());
    expect(await authorizer.authorize(`Bearer bearer ${token}`, [])).toEqual(
      invalidToken("tokenstring should not contain 'bearer '"),
    );
  });

  it('an unsigned token (alg "none")', async () => {
    const { kid } = await issuerJwk();
    const token = `${segment({ alg: "none", kid })}.${segment(claims())}.`;
    expect(await authorizer.authorize(token, [])).toEqual(
      invalidToken("signing method none is invalid"),
    );
  });

  it("HS256 keyed with the issuer's public key (the HS/RS confusion attack)", async () => {
    const jwk = await issuerJwk();
    const publicPem = createPublicKey({ key: { kty: "RSA", n: jwk.n, e: jwk.e }, format: "jwk" })
      .export({ type: "spki", format: "pem" })
      .toString();
    const signingInput = `${segment({ alg: "HS256", typ: "JWT", kid: jwk.kid })}.${segment(claims())}`;
    const mac = createHmac("sha256", publicPem).update(signingInput).digest("base64url");
    expect(await authorizer.authorize(`Bearer ${signingInput}.${mac}`, [])).toEqual(
      invalidToken("signing method HS256 is invalid"),
    );
  });

  it("ES256, as API Gateway does: only RSA-based algorithms are supported", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: "ES256", kid: "ec-key" })
      .sign(privateKey);
    expect(await authorizer.authorize(token, [])).toEqual(
      invalidToken("signing method ES256 is invalid"),
    );
  });

  it("a kid the issuer does not publish, and a token without a kid", async () => {
    const unknown = await signed(claims(), { kid: "not-published" });
    const expected = invalidToken("the token does not have a valid signature");
    expect(await authorizer.authorize(unknown, [])).toEqual(expected);
    const [, ...rest] = (await signed(claims())).split(".");
    const withoutKid = [segment({ alg: "RS256" }), ...rest].join(".");
    expect(await authorizer.authorize(withoutKid, [])).toEqual(expected);
  });

  it("a signature by another key under the issuer's kid, and a tampered payload", async () => {
    const { kid } = await issuerJwk();
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT(claims())
      .setProtectedHeader({ alg: "RS256", kid })
      .sign(privateKey);
    const expected = invalidToken("the token does not have a valid signature");
    expect(await authorizer.authorize(forged, [])).toEqual(expected);
    const [header, , signature] = (await signed(claims({ sub: "alice" }))).split(".");
    const tampered = `${header}.${segment(claims({ sub: "mallory" }))}.${signature}`;
    expect(await authorizer.authorize(tampered, [])).toEqual(expected);
  });

  it("a token from another issuer, compared exactly", async () => {
    const expected = invalidToken("the token does not have a valid issuer");
    const other = await mintToken({ dataDir, subject: "alice", claims: { iss: "http://evil" } });
    expect(await authorizer.authorize(other, [])).toEqual(expected);
    const slashed = await signed(claims({ iss: `${issuer.issuer}/` }));
    expect(await authorizer.authorize(slashed, [])).toEqual(expected);
  });

  it("a token for another audience, reading client_id only when aud is absent", async () => {
    const expected = invalidToken("the token does not have a valid audience");
    const other = await mintToken({ dataDir, subject: "alice", audience: "another-app" });
    expect(await authorizer.authorize(other, [])).toEqual(expected);
    const audWins = await signed(claims({ aud: "another-app", client_id: "file-platform" }));
    expect(await authorizer.authorize(audWins, [])).toEqual(expected);
    const clientOnly = await signed(claims({ aud: undefined, client_id: "file-platform" }));
    expect(await authorizer.authorize(clientOnly, [])).toMatchObject({ ok: true });
  });

  it("an expired token, with no allowance for clock skew", async () => {
    const expected = invalidToken("the token has expired");
    const endsNow = await mintToken({ dataDir, subject: "alice", ttlSeconds: 0 });
    expect(await authorizer.authorize(endsNow, [])).toEqual(expected);
    const noExp = await signed(claims({ exp: undefined }));
    expect(await authorizer.authorize(noExp, [])).toEqual(expected);
  });

  it("a token not valid yet (nbf, or else iat, in the future)", async () => {
    const expected = invalidToken("the token is not valid yet");
    const early = createJwtAuthorizer({
      issuer: issuer.issuer,
      audiences: ["file-platform"],
      now: () => new Date(Date.now() - 60_000),
    });
    expect(await early.authorize(await mintToken({ dataDir, subject: "alice" }), [])).toEqual(
      expected,
    );
    const issuedLater = await signed(claims({ nbf: undefined, iat: nowSeconds() + 60 }));
    expect(await authorizer.authorize(issuedLater, [])).toEqual(expected);
  });

  it("with 403 Forbidden a valid token carrying none of the route's scopes", async () => {
    const token = await mintToken({ dataDir, subject: "alice", scopes: ["files:read"] });
    expect(await authorizer.authorize(token, ["files:write", "files:admin"])).toEqual({
      ok: false,
      status: 403,
      body: { message: "Forbidden" },
      headers: {},
    });
    const unscoped = await mintToken({ dataDir, subject: "alice" });
    expect(await authorizer.authorize(unscoped, ["files:write"])).toMatchObject({ status: 403 });
  });

  it("naming the route's scopes in the challenge of an invalid token", async () => {
    const expired = await mintToken({ dataDir, subject: "alice", ttlSeconds: -5 });
    expect(await authorizer.authorize(expired, ["files:write", "files:read"])).toEqual(
      invalidToken("the token has expired", "files:write files:read"),
    );
  });
});

describe("the JWT authorizer accepts", () => {
  it("a token from mintToken, with every claim as the string API Gateway passes", async () => {
    const token = await mintToken({
      dataDir,
      subject: "alice",
      scopes: ["files:read", "files:write"],
      claims: { "cognito:groups": ["admins", "readers"], email_verified: true, plan: { tier: 2 } },
    });
    const result = await authorizer.authorize(`Bearer ${token}`, ["files:write"]);
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
    expect(result).toEqual({
      ok: true,
      claims: {
        iss: issuer.issuer,
        sub: "alice",
        aud: "file-platform",
        iat: String(payload.iat),
        nbf: String(payload.nbf),
        exp: String(payload.exp),
        jti: payload.jti,
        scope: "files:read files:write",
        token_use: "access",
        client_id: "file-platform",
        "cognito:groups": "[admins readers]",
        email_verified: "true",
        plan: "map[tier:2]",
      },
      scopes: ["files:read", "files:write"],
    });
  });

  it("the token with or without the Bearer prefix", async () => {
    const token = await mintToken({ dataDir, subject: "alice" });
    const bare = await authorizer.authorize(token, []);
    expect(bare).toMatchObject({ ok: true, scopes: [] });
    expect(await authorizer.authorize(`Bearer ${token}`, [])).toEqual(bare);
  });

  it("any one of the route's scopes, also from an scp list", async () => {
    const token = await signed(claims({ scp: ["files:write"] }));
    expect(await authorizer.authorize(token, ["files:admin", "files:write"])).toMatchObject({
      ok: true,
      scopes: ["files:write"],
    });
  });

  it("an aud list holding one configured audience", async () => {
    const token = await signed(claims({ aud: ["another-app", "file-platform"] }));
    const result = await authorizer.authorize(token, []);
    expect(result).toMatchObject({ ok: true, claims: { aud: "[another-app file-platform]" } });
  });
});
