import { describe, expect, it } from "vitest";
import {
  deliveryHeaders,
  newSecret,
  SIGNATURE_HEADER,
  signature,
  verifySignature,
} from "../../src/signature.ts";
import { verifyDelivery } from "../support/receiver.ts";

const body = JSON.stringify({ id: "e-1", type: "upload.file.ready", data: { fileId: "f" } });
const now = new Date("2026-01-01T00:00:00.000Z");
const t = now.getTime() / 1000;

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

  it("verifies with the right secret, and the README's receiver code agrees", () => {
    const header = signature("whsec_right", t, body);
    expect(verifySignature("whsec_right", header, body, t)).toBe(true);
    const fresh = signature("whsec_right", Math.floor(Date.now() / 1000), body);
    expect(verifyDelivery("whsec_right", fresh, body)).toBe(true);
  });

  it("does not verify with a wrong secret, a changed body or a stale timestamp", () => {
    const header = signature("whsec_right", t, body);
    expect(verifySignature("whsec_wrong", header, body, t)).toBe(false);
    expect(verifySignature("whsec_right", header, body.replace("ready", "rejected"), t)).toBe(
      false,
    );
    expect(verifySignature("whsec_right", header, body, t + 301)).toBe(false);
    expect(verifySignature("whsec_right", header, body, t + 300)).toBe(true);
    expect(verifySignature("whsec_right", "t=abc,v1=00", body, t)).toBe(false);
    const fresh = signature("whsec_right", Math.floor(Date.now() / 1000), body);
    expect(verifyDelivery("whsec_wrong", fresh, body)).toBe(false);
  });
});
