import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DescribeImage } from "@platform/events";
import type { TestCloud } from "@platform/local-cloud";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gpsJpeg, orientedJpeg, png } from "./support/images.ts";
import { startPlatform, tmpKey, upload } from "./support/platform.ts";

let cloud: TestCloud;
let lambda: LambdaClient;

beforeAll(async () => {
  cloud = await startPlatform();
  lambda = new LambdaClient(cloud.clientConfig);
}, 120_000);
afterAll(async () => {
  await cloud?.stop();
});

/** Calls the operation's function as the invoke-proxy does: input in, output or an error out. */
async function describeFile(fileId: string) {
  const answer = await lambda.send(
    new InvokeCommand({
      FunctionName: cloud.names.functionName("ImagingDescribe"),
      Payload: JSON.stringify({ fileId }),
    }),
  );
  const payload = JSON.parse(new TextDecoder().decode(answer.Payload));
  return { error: answer.FunctionError, payload };
}

async function processed(purpose: string, bytes: Buffer, contentType: string, extension: string) {
  const { fileId, key } = tmpKey(purpose, extension);
  await upload(cloud, key, bytes, contentType);
  await cloud.settle();
  return fileId;
}

describe("imaging.describe", () => {
  it("describes a promoted photo from its header: size as stored, orientation, camera, GPS present", async () => {
    const withGps = await sharp(await gpsJpeg(300, 200))
      .withMetadata({ orientation: 6 })
      .keepExif()
      .jpeg()
      .toBuffer();
    const fileId = await processed("profile", withGps, "image/jpeg", "jpg");
    const { error, payload } = await describeFile(fileId);
    expect(error).toBeUndefined();
    const description = DescribeImage.output.parse(payload);
    expect(description).toMatchObject({
      fileId,
      state: "ready",
      contentType: "image/jpeg",
      image: {
        format: "jpeg",
        width: 300,
        height: 200,
        orientation: 6,
        hasAlpha: false,
        pages: 1,
        exif: { make: "TestCam", hasGps: true },
      },
    });
    expect(description.key).toMatch(/^profile\/user-1\/origin\//);
  });

  it("says when a photo carries no location", async () => {
    const fileId = await processed("feed", await orientedJpeg(120, 80, 1), "image/jpeg", "jpg");
    const { payload } = await describeFile(fileId);
    expect(payload.image.exif?.hasGps ?? false).toBe(false);
  });

  it("describes a refused file without reading it again", async () => {
    const fileId = await processed("profile", await png(40, 40), "image/jpeg", "jpg");
    const { payload } = await describeFile(fileId);
    expect(payload).toMatchObject({ fileId, state: "rejected" });
    expect(payload.image).toBeUndefined();
  });

  it("fails clearly for a file imaging never saw, and for input that is not a file id", async () => {
    const unknown = await describeFile(crypto.randomUUID());
    expect(unknown.error).toBe("Unhandled");
    expect(unknown.payload).toMatchObject({ errorType: "FileNotFound" });
    const malformed = await lambda.send(
      new InvokeCommand({
        FunctionName: cloud.names.functionName("ImagingDescribe"),
        Payload: JSON.stringify({ fileId: "../../etc" }),
      }),
    );
    expect(malformed.FunctionError).toBe("Unhandled");
    expect(JSON.parse(new TextDecoder().decode(malformed.Payload)).errorType).toBe("ZodError");
  });
});
