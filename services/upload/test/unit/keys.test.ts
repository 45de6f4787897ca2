import { parseTmpKey } from "@platform/manifest";
import { describe, expect, it } from "vitest";
import { ENTITY_ID, entityOf, tmpKey } from "../../src/keys.ts";
import { PURPOSE_NAMES } from "../../src/purposes.ts";

const FILE_ID = "0b6a4c1e-7f3d-4a8e-9c2b-5d1e8f7a6b3c";
const CREATED_AT = "2030-01-02T03:04:05.678Z";

describe("tmpKey", () => {
  it("names the purpose, the entity, the file id and the time, with the type's extension", () => {
    const key = tmpKey({
      purpose: "chat",
      entityId: "room-7",
      fileId: FILE_ID,
      contentType: "application/pdf",
      createdAt: CREATED_AT,
    });
    expect(key).toBe(`tmp/chat/room-7/${FILE_ID}_${Date.parse(CREATED_AT)}.pdf`);
  });

  it("uses bin for a type without a known extension", () => {
    const key = tmpKey({
      purpose: "chat",
      entityId: "room-7",
      fileId: FILE_ID,
      contentType: "application/x-unknown",
      createdAt: CREATED_AT,
    });
    expect(key.endsWith(".bin")).toBe(true);
  });

  it.each(PURPOSE_NAMES)("round-trips through parseTmpKey for %s", (purpose) => {
    const file = { purpose, entityId: "Ent_1-x", fileId: FILE_ID };
    const key = tmpKey({ ...file, contentType: "image/png", createdAt: CREATED_AT });
    expect(parseTmpKey(key)).toEqual(file);
  });
});

describe("parseTmpKey", () => {
  const valid = `tmp/profile/alice/${FILE_ID}_1700000000000.jpg`;

  it("reads a key this service chose", () => {
    expect(parseTmpKey(valid)).toEqual({ purpose: "profile", entityId: "alice", fileId: FILE_ID });
  });

  it.each([
    ["a promoted original", `profile/alice/origin/${FILE_ID}_1700000000000.jpg`],
    ["a variant", `profile/alice/small/${FILE_ID}_1700000000000.webp`],
    ["another prefix", `uploads/profile/alice/${FILE_ID}_1700000000000.jpg`],
    ["a name that is not a file id", "tmp/profile/alice/photo_1700000000000.jpg"],
    ["an upper-case id", `tmp/profile/alice/${FILE_ID.toUpperCase()}_1700000000000.jpg`],
    ["no timestamp", `tmp/profile/alice/${FILE_ID}.jpg`],
    ["no extension", `tmp/profile/alice/${FILE_ID}_1700000000000`],
    ["a deeper path", `tmp/profile/alice/extra/${FILE_ID}_1700000000000.jpg`],
    ["a parent segment as entity", `tmp/profile/../${FILE_ID}_1700000000000.jpg`],
    ["a parent segment inside", `tmp/profile/alice/../bob/${FILE_ID}_1700000000000.jpg`],
    ["an encoded traversal", `tmp/profile/%2e%2e/${FILE_ID}_1700000000000.jpg`],
    ["a leading slash", `/${valid}`],
    ["a trailing part", `${valid}/x`],
    ["a newline", `${valid}\nx`],
    ["the empty string", ""],
  ])("refuses %s", (_, key) => {
    expect(parseTmpKey(key)).toBeUndefined();
  });
});

describe("entityOf", () => {
  it("keeps an id that is already one safe path segment", () => {
    expect(entityOf("alice")).toBe("alice");
    expect(entityOf("user_42-b")).toBe("user_42-b");
  });

  it.each([
    ["a path", "../../etc/passwd"],
    ["an API key owner", "apiKey:abc123"],
    ["an email", "alice@example.com"],
    ["unicode", "zoë🙂"],
    ["a leading dash", "-alice"],
    ["a dot", "."],
    ["a slash", "a/b"],
    ["129 characters", "a".repeat(129)],
  ])("turns %s into a safe, stable segment", (_, ownerId) => {
    const entity = entityOf(ownerId);
    expect(entity).toMatch(ENTITY_ID);
    expect(entity).toMatch(/^u-[0-9a-f]{40}$/);
    expect(entityOf(ownerId)).toBe(entity);
  });

  it("gives different unsafe ids different segments", () => {
    expect(entityOf("apiKey:one")).not.toBe(entityOf("apiKey:two"));
  });

  it("makes a key that parses back to the same entity", () => {
    const entityId = entityOf("apiKey:abc123");
    const key = tmpKey({
      purpose: "profile",
      entityId,
      fileId: FILE_ID,
      contentType: "image/jpeg",
      createdAt: CREATED_AT,
    });
    expect(parseTmpKey(key)?.entityId).toBe(entityId);
  });
});
