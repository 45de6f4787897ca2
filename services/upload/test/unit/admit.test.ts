import { HttpProblem, type Principal } from "@platform/http-api";
import { describe, expect, it } from "vitest";
import { admit, type Declared } from "../../src/api/uploads.ts";
import { entityOf } from "../../src/keys.ts";
import { extensionFor, PURPOSE_NAMES, PURPOSES } from "../../src/purposes.ts";

const ALICE: Principal = { ownerId: "alice", actor: { type: "user", id: "alice" } };
const SERVER: Principal = {
  ownerId: "apiKey:k1",
  actor: { type: "apiKey", id: "k1" },
};
const MB = 1024 * 1024;

const declared = (overrides: Partial<Declared> = {}): Declared => ({
  filename: "me.jpg",
  contentType: "image/jpeg",
  size: 1024,
  purpose: "profile",
  ...overrides,
});

/** The problem `admit` throws, or a failure when it admits. */
function refusal(input: Declared, principal = ALICE): HttpProblem {
  try {
    admit(input, principal);
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error("admitted, expected a problem");
}

describe("admit", () => {
  it("refuses a type the purpose does not take with 415, naming contentType", () => {
    const problem = refusal(declared({ contentType: "video/mp4" }));
    expect(problem).toMatchObject({
      status: 415,
      slug: "type-not-allowed",
      title: "Content type not allowed for this purpose",
      errors: [{ in: "body", name: "contentType", detail: "not allowed for this purpose" }],
    });
    expect(problem.detail).toBe(
      `profile accepts ${PURPOSES.profile.contentTypes.join(", ")}; got video/mp4`,
    );
  });

  it("refuses a size over the purpose's limit with 413, naming size", () => {
    const problem = refusal(declared({ size: 10 * MB + 1 }));
    expect(problem).toMatchObject({
      status: 413,
      slug: "too-large",
      title: "File too large for this purpose",
      detail: `profile accepts at most ${10 * MB} bytes; declared ${10 * MB + 1}`,
      errors: [{ in: "body", name: "size", detail: `at most ${10 * MB}` }],
    });
  });

  it("admits a file of exactly the limit", () => {
    expect(admit(declared({ size: 10 * MB }), ALICE)).toEqual({ entityId: "alice" });
  });

  it("checks the type before the size", () => {
    expect(refusal(declared({ contentType: "text/plain", size: 11 * MB })).status).toBe(415);
  });

  it("refuses someone else's entity for an owner's purpose with 403, naming entityId", () => {
    const problem = refusal(declared({ entityId: "bob" }));
    expect(problem).toMatchObject({
      status: 403,
      slug: "not-your-entity",
      title: "Forbidden",
      detail: "profile files belong to their owner: omit entityId or send alice",
      errors: [{ in: "body", name: "entityId", detail: "must be your own" }],
    });
  });

  it("puts an owner's file under the caller, given or not", () => {
    expect(admit(declared(), ALICE)).toEqual({ entityId: "alice" });
    expect(admit(declared({ entityId: "alice" }), ALICE)).toEqual({ entityId: "alice" });
    expect(admit(declared({ purpose: "chat-profile" }), SERVER)).toEqual({
      entityId: entityOf("apiKey:k1"),
    });
  });

  it("requires an entity for a chat with 400, naming entityId", () => {
    const problem = refusal(declared({ purpose: "chat", contentType: "application/pdf" }));
    expect(problem).toMatchObject({
      status: 400,
      slug: "invalid-request",
      title: "The request is not valid",
      detail: "entityId is required",
      errors: [{ in: "body", name: "entityId", detail: "required for chat" }],
    });
    expect(admit(declared({ purpose: "chat", entityId: "room-7" }), ALICE)).toEqual({
      entityId: "room-7",
    });
  });

  it("files a feed post under the given entity, or the caller's own", () => {
    expect(admit(declared({ purpose: "feed", entityId: "page-1" }), ALICE)).toEqual({
      entityId: "page-1",
    });
    expect(admit(declared({ purpose: "feed", contentType: "video/mp4" }), ALICE)).toEqual({
      entityId: "alice",
    });
  });
});

describe("purposes", () => {
  it.each(PURPOSE_NAMES)("gives every type %s accepts an extension of its own", (name) => {
    for (const type of PURPOSES[name].contentTypes)
      expect(extensionFor(type), type).not.toBe("bin");
  });
});
