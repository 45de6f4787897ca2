import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { deliveryHeaders, newSecret, SIGNATURE_HEADER, signature } from "../../src/signature.ts";
import { verifyDelivery } from "../support/verify.ts";

const body = JSON.stringify({ id: "e-1", type: "upload.file.ready", data: { fileId: "f" } });
const now = new Date("2026-01-01T00:00:00.000Z");
const t = now.getTime() / 1000;

/** A header signed over whatever timestamp text it carries, as only a holder of the secret can. */
const signedAs = (secret: string, stamp: string, raw: string) =>
  `t=${stamp},v1=${createHmac("sha256", secret).update(`${stamp}.${raw}`).digest("hex")}`;

/** The README's receiver code, run as a receiver would copy it. */
async function readmeVerify() {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## Verifying a delivery"));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error("README.md has no js block under 'Verifying a delivery'");
  const file = join(mkdtempSync(join(tmpdir(), "readme-verify-")), "verify.mjs");
  writeFileSync(file, `${code}\nexport { verify };\n`);
  const loaded = (await import(pathToFileURL(file).href)) as { verify: typeof verifyDelivery };
  return loaded.verify;
}

describe("signatures", () => {
  it("makes secrets of 32 random bytes, each different", () => {
    const [a, b] = [newSecret(), newSecret()];
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(6), "base64url")).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it("signs the timestamp and the raw body: t=<seconds>,v1=<hex hmac>", () => {
    // HMAC-SHA256 of "1767225600.{}" under "whsec_k", computed apart from this code.
    expect(signature("whsec_k", 1767225600, "{}")).toBe(
      "t=1767225600,v1=0a2d8636c097a6714b68d28396f8a3d901204d280122ebe829f9947df75e8f23",
    );
    expect(signature("whsec_k", 1767225600, "{}")).not.toBe(signature("whsec_k", 1767225601, "{}"));
  });

  it("puts the webhook, the event and the signature in the delivery's headers", () => {
    const headers = deliveryHeaders({ webhookId: "w-1", eventId: "e-1", secret: "s", body }, now);
    expect(headers).toMatchObject({
      "content-type": "application/json",
      "x-webhook-id": "w-1",
      "x-event-id": "e-1",
      [SIGNATURE_HEADER]: signature("s", t, body),
    });
  });
});

describe.each([
  ["the tests' check", async () => verifyDelivery],
  ["the README's code", readmeVerify],
])("verifying a delivery with %s", (_, load) => {
  it("accepts the right secret within 5 minutes either way", async () => {
    const verify = await load();
    const header = signature("whsec_right", t, body);
    expect(verify("whsec_right", header, body, t)).toBe(true);
    expect(verify("whsec_right", header, body, t + 300)).toBe(true);
    expect(verify("whsec_right", header, body, t - 300)).toBe(true);
    const fresh = signature("whsec_right", Math.floor(Date.now() / 1000), body);
    expect(verify("whsec_right", fresh, body)).toBe(true);
  });

  it("refuses a wrong secret, a changed body and a stale timestamp", async () => {
    const verify = await load();
    const header = signature("whsec_right", t, body);
    expect(verify("whsec_wrong", header, body, t)).toBe(false);
    expect(verify("whsec_right", header, body.replace("ready", "rejected"), t)).toBe(false);
    expect(verify("whsec_right", header, body, t + 301)).toBe(false);
    expect(verify("whsec_right", "t=abc,v1=00", body, t)).toBe(false);
    expect(verify("whsec_right", `t=${t}`, body, t)).toBe(false);
  });

  it("refuses a timestamp that is not a whole number of seconds, even correctly signed", async () => {
    const verify = await load();
    expect(verify("whsec_right", signedAs("whsec_right", `${t}.5`, body), body, t)).toBe(false);
    expect(verify("whsec_right", signedAs("whsec_right", "", body), body, 0)).toBe(false);
    expect(verify("whsec_right", signedAs("whsec_right", `${t}`, body), body, t)).toBe(true);
  });
});
