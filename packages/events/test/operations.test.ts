import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  AuditHistory,
  DescribeImage,
  defineOperation,
  type OperationInput,
  type OperationOutput,
  operationContracts,
} from "../src/index.ts";
import { FILE_ID } from "./fixtures.ts";

describe("operations", () => {
  it("have unique dotted names owned by a service", () => {
    const names = operationContracts.map((o) => o.name);
    expect(names).toEqual(["imaging.describe", "audit.history"]);
    expect(operationContracts.every((o) => o.kind === "operation")).toBe(true);
  });

  it("imaging.describe takes a file id and answers with what the image is", () => {
    expect(DescribeImage.input.safeParse({ fileId: "nope" }).success).toBe(false);
    const answer = {
      fileId: FILE_ID,
      key: "profile/u/origin/a.jpg",
      contentType: "image/jpeg",
      state: "ready",
      image: {
        format: "jpeg",
        width: 640,
        height: 480,
        orientation: 6,
        hasAlpha: false,
        pages: 1,
        exif: { make: "TestCam", hasGps: true },
      },
    };
    expect(DescribeImage.output.parse(answer)).toEqual(answer);
    expect(DescribeImage.output.safeParse({ ...answer, state: "done" }).success).toBe(false);
    const sideways = { ...answer, image: { ...answer.image, orientation: 9 } };
    expect(DescribeImage.output.safeParse(sideways).success).toBe(false);
    // A file that is not an image has no image to describe.
    const { image: _, ...pdf } = { ...answer, contentType: "application/pdf" };
    expect(DescribeImage.output.parse(pdf)).toEqual(pdf);
  });

  it("audit.history needs a fileId or an actorId, and defaults the page size to 50", () => {
    expect(AuditHistory.input.parse({ actorId: "user-1" })).toEqual({
      actorId: "user-1",
      limit: 50,
    });
    const neither = AuditHistory.input.safeParse({ limit: 10 });
    expect(neither.error?.issues).toMatchObject([
      { path: ["fileId"], message: "give a fileId or an actorId" },
    ]);
    expect(AuditHistory.input.safeParse({ fileId: FILE_ID, limit: 101 }).success).toBe(false);
  });

  it("audit.history answers with actor-stamped items and an optional cursor", () => {
    const item = {
      eventId: "e-1",
      at: "2025-01-01T00:00:00.000Z",
      actor: { type: "apiKey", id: "key-1" },
      action: "upload.file.requested",
      detail: { any: "thing" },
    };
    expect(AuditHistory.output.parse({ items: [item] })).toEqual({ items: [item] });
    const badActor = { ...item, actor: { type: "robot", id: "r" } };
    expect(AuditHistory.output.safeParse({ items: [badActor] }).success).toBe(false);
  });

  it("keep the name literal and type input (before defaults) and output", () => {
    const Ping = defineOperation({
      name: "test.ping",
      description: "test only",
      input: z.object({ times: z.number().default(1) }),
      output: z.object({ pong: z.boolean() }),
    });
    expectTypeOf(Ping.name).toEqualTypeOf<"test.ping">();
    expectTypeOf<OperationInput<typeof Ping>>().toEqualTypeOf<{ times?: number | undefined }>();
    expectTypeOf<OperationOutput<typeof Ping>>().toEqualTypeOf<{ pong: boolean }>();
    expectTypeOf<OperationInput<typeof AuditHistory>["limit"]>().toEqualTypeOf<
      number | undefined
    >();
  });
});
