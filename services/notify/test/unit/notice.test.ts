import { describe, expect, it } from "vitest";
import { receivedNoticeId, uuidV5 } from "../../src/notice.ts";
import { objectCreated } from "../support/events.ts";

const KEY = `tmp/profile/owner-1/${crypto.randomUUID()}_1767225600000.jpg`;

describe("a received notice's id", () => {
  it("is a UUIDv5 as RFC 9562 makes it", () => {
    // Python's uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com"), computed apart from this code.
    expect(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2",
    );
  });

  it("is the same for one object change handed over twice under different envelope ids", () => {
    const first = objectCreated(KEY);
    const again = { ...structuredClone(first), id: crypto.randomUUID() };
    expect(again.id).not.toBe(first.id);
    const id = receivedNoticeId(first.detail);
    expect(receivedNoticeId(again.detail)).toBe(id);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id).not.toBe(first.id);
  });

  it("differs for another change of the same key, and for the same change in another bucket", () => {
    const first = objectCreated(KEY);
    const later = structuredClone(first);
    later.detail.object.sequencer = "00FFFFFFFFFFFFFFFF";
    const elsewhere = structuredClone(first);
    elsewhere.detail.bucket.name = "other-bucket";
    const ids = [first, later, elsewhere].map((event) => receivedNoticeId(event.detail));
    expect(new Set(ids).size).toBe(3);
  });
});
