import { describe, expect, it } from "vitest";
import { fileView } from "../../src/api/files.ts";
import type { Storage } from "../../src/ports.ts";
import { noStorage, pendingFile } from "./fakes.ts";

const signing: Storage = {
  ...noStorage,
  presignGet: async (key) => `https://signed.example/${key}`,
};
const result = {
  original: { key: "profile/alice/origin/a.jpg", size: 10, contentType: "image/jpeg" },
  variants: [
    {
      name: "64-webp",
      key: "profile/alice/64/a.webp",
      width: 64,
      height: 64,
      format: "webp" as const,
      size: 5,
    },
  ],
};

describe("the file view", () => {
  it("serves nothing while the arrival checks have not passed, even if imaging was quicker", async () => {
    const view = await fileView(pendingFile({ status: "processing", ...result }), signing);
    expect(view.variants).toEqual([]);
    expect(view.original).toBeUndefined();
  });

  it("serves the original and the variants once the bytes were checked", async () => {
    const uploaded = { etag: "e", size: 10, at: "2030-01-02T03:04:06.000Z" };
    const view = await fileView(pendingFile({ status: "ready", uploaded, ...result }), signing);
    expect(view.original?.url).toBe("https://signed.example/profile/alice/origin/a.jpg");
    expect(view.variants).toEqual([
      {
        name: "64-webp",
        width: 64,
        height: 64,
        format: "webp",
        size: 5,
        url: "https://signed.example/profile/alice/64/a.webp",
      },
    ]);
  });
});
