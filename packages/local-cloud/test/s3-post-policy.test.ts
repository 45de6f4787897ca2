import { S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost, type PresignedPostOptions } from "@aws-sdk/s3-presigned-post";
import { describe, expect, it } from "vitest";
import type { SecretLookup } from "../src/s3/ports.ts";
import { parsePolicy, verifyPostPolicy } from "../src/s3/post-policy.ts";
import { s3Error } from "./support/s3-error.ts";

const ACCESS_KEY = "AKIALOCALPOSTPOLICY1";
const SECRET = "local/post+policy/secret";
const secrets: SecretLookup = (id) => (id === ACCESS_KEY ? SECRET : undefined);
const BUCKET = "uploads-bucket";
// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's own literal placeholder.
const FILENAME = "${filename}";
const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your key and signing method.";

function client(credentials = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET }) {
  return new S3Client({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:4566",
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
}

/** The upload form the platform's upload API hands a browser. */
async function uploadForm(options: Partial<PresignedPostOptions> = {}, s3 = client()) {
  const { fields } = await createPresignedPost(s3, {
    Bucket: BUCKET,
    Key: `uploads/${FILENAME}`,
    Conditions: [
      ["content-length-range", 1, 1024],
      ["starts-with", "$key", "uploads/"],
      ["eq", "$Content-Type", "image/png"],
    ],
    Fields: {
      "Content-Type": "image/png",
      "x-amz-meta-owner": "user-1",
      success_action_status: "201",
    },
    Expires: 600,
    ...options,
  });
  return fields;
}

const now = () => new Date();
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000);
const verifying =
  (fields: Record<string, string>, filename = "cat.png", bucket = BUCKET, at = now()) =>
  () =>
    verifyPostPolicy({ fields, filename }, bucket, secrets, at);

describe("browser POST uploads with a policy from createPresignedPost", () => {
  it("grants the upload, with the filename placeholder replaced and the form's settings", async () => {
    const grant = verifying(await uploadForm())();
    expect(grant).toMatchObject({
      accessKeyId: ACCESS_KEY,
      region: "us-east-1",
      key: "uploads/cat.png",
      contentType: "image/png",
      successActionStatus: 201,
      successActionRedirect: undefined,
      metadata: { "x-amz-meta-owner": "user-1" },
    });
    expect(() => grant.checkLength(1024)).not.toThrow();
  });

  it("refuses a file larger than content-length-range allows", async () => {
    const grant = verifying(await uploadForm())();
    expect(() => grant.checkLength(1025)).toThrow(
      s3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", {
        ProposedSize: 1025,
        MaxSizeAllowed: 1024,
      }),
    );
    expect(() => grant.checkLength(1025)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it("refuses a file smaller than content-length-range allows", async () => {
    const grant = verifying(await uploadForm())();
    expect(() => grant.checkLength(0)).toThrow(
      s3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", {
        ProposedSize: 0,
        MinSizeAllowed: 1,
      }),
    );
  });

  it("refuses a Content-Type other than the one the policy pins", async () => {
    const fields = { ...(await uploadForm()), "Content-Type": "text/html" };
    expect(verifying(fields)).toThrow(
      s3Error(
        "AccessDenied",
        'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]',
      ),
    );
    expect(verifying(fields)).toThrow(expect.objectContaining({ status: 403 }));
  });

  it("refuses a key outside the allowed prefix", async () => {
    const fields = { ...(await uploadForm()), key: `private/${FILENAME}` };
    expect(verifying(fields)).toThrow(
      s3Error(
        "AccessDenied",
        'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]',
      ),
    );
  });

  it("refuses the form posted to another bucket", async () => {
    const fields = await uploadForm();
    expect(verifying(fields, "cat.png", "other-bucket")).toThrow(
      s3Error(
        "AccessDenied",
        `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "${BUCKET}"]`,
      ),
    );
  });

  it("refuses a form field no condition covers", async () => {
    const fields = { ...(await uploadForm()), "x-amz-meta-role": "admin" };
    expect(verifying(fields)).toThrow(
      s3Error("AccessDenied", "Invalid according to Policy: Extra input fields: x-amz-meta-role"),
    );
  });

  it("ignores x-ignore-* fields, which need no condition", async () => {
    const fields = { ...(await uploadForm()), "x-ignore-tracking": "abc" };
    expect(verifying(fields)().key).toBe("uploads/cat.png");
  });

  it("matches field names without regard to case", async () => {
    const { Policy = "", "X-Amz-Signature": signature = "", ...rest } = await uploadForm();
    const renamed = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k.toLowerCase(), v]));
    const fields = { ...renamed, POLICY: Policy, "x-amz-SIGNATURE": signature };
    expect(verifying(fields)().contentType).toBe("image/png");
  });

  it("refuses a policy changed after signing", async () => {
    const fields = await uploadForm();
    const policy = Buffer.from(fields.Policy ?? "", "base64").toString("utf8");
    const bigger = Buffer.from(policy.replace("1024", "1073741824")).toString("base64");
    expect(verifying({ ...fields, Policy: bigger })).toThrow(
      s3Error("SignatureDoesNotMatch", MISMATCH, {
        StringToSign: bigger,
        AWSAccessKeyId: ACCESS_KEY,
      }),
    );
  });

  it("refuses a tampered signature", async () => {
    const fields = { ...(await uploadForm()), "X-Amz-Signature": "0".repeat(64) };
    expect(verifying(fields)).toThrow(s3Error("SignatureDoesNotMatch", MISMATCH));
  });

  it("refuses a form signed with the wrong secret", async () => {
    const s3 = client({ accessKeyId: ACCESS_KEY, secretAccessKey: "wrong" });
    expect(verifying(await uploadForm({}, s3))).toThrow(s3Error("SignatureDoesNotMatch", MISMATCH));
  });

  it("refuses an access key it does not know", async () => {
    const s3 = client({ accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: SECRET });
    expect(verifying(await uploadForm({}, s3))).toThrow(
      s3Error(
        "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records.",
        { AWSAccessKeyId: "AKIAUNKNOWN000000000" },
      ),
    );
  });

  it("refuses a policy past its expiration", async () => {
    const fields = await uploadForm({ Expires: 60 });
    expect(verifying(fields, "cat.png", BUCKET, inMinutes(2))).toThrow(
      s3Error("AccessDenied", "Invalid according to Policy: Policy expired."),
    );
  });

  it.each(["Policy", "X-Amz-Signature", "X-Amz-Credential"])(
    "refuses a form without its %s field",
    async (name) => {
      const fields: Record<string, string> = { ...(await uploadForm()) };
      delete fields[name];
      expect(verifying(fields)).toThrow(s3Error("AccessDenied", "Access Denied"));
    },
  );

  it("refuses a form without a key", async () => {
    const { key: _, ...fields } = await uploadForm();
    expect(verifying(fields)).toThrow(
      s3Error(
        "InvalidArgument",
        "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
      ),
    );
  });

  it("requires every type in a Content-Type list to start with the allowed prefix", async () => {
    const fields = await uploadForm({
      Key: "uploads/photo.jpg",
      Conditions: [["starts-with", "$Content-Type", "image/"]],
      Fields: {},
    });
    expect(verifying({ ...fields, "Content-Type": "image/png, image/jpeg" })().key).toBe(
      "uploads/photo.jpg",
    );
    expect(verifying({ ...fields, "Content-Type": "image/png, text/html" })).toThrow(
      s3Error(
        "AccessDenied",
        'Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]',
      ),
    );
  });

  it('lets starts-with "" accept any value, and grants any size without a length range', async () => {
    const fields = await uploadForm({
      Key: FILENAME,
      Conditions: [["starts-with", "$success_action_redirect", ""]],
      Fields: { success_action_redirect: "http://localhost:3000/done" },
    });
    const grant = verifying({ ...fields, key: "elsewhere/x" })();
    expect(grant).toMatchObject({ key: "elsewhere/x", successActionStatus: 204 });
    expect(grant.successActionRedirect).toBe("http://localhost:3000/done");
    expect(() => grant.checkLength(5 * 1024 ** 3)).not.toThrow();
  });
});

describe("policy documents", () => {
  const encode = (doc: unknown) => Buffer.from(JSON.stringify(doc)).toString("base64");

  it("parses S3's three condition forms", () => {
    const policy = parsePolicy(
      encode({
        expiration: "2030-01-01T00:00:00.000Z",
        conditions: [
          { bucket: "b" },
          ["starts-with", "$Key", "u/"],
          ["content-length-range", 0, "10"],
        ],
      }),
    );
    expect(policy.expiration.toISOString()).toBe("2030-01-01T00:00:00.000Z");
    expect(policy.conditions).toEqual([
      { op: "eq", field: "bucket", value: "b", text: '["eq", "$bucket", "b"]' },
      { op: "starts-with", field: "key", value: "u/", text: '["starts-with", "$Key", "u/"]' },
      { op: "content-length-range", min: 0, max: 10 },
    ]);
  });

  it.each([
    ["not JSON", Buffer.from("{nope").toString("base64"), "Invalid Policy: Invalid JSON."],
    ["no expiration", encode({ conditions: [] }), "Invalid Policy: Policy missing expiration."],
    [
      "a bad expiration",
      encode({ expiration: "tomorrow", conditions: [] }),
      "Invalid Policy: Invalid 'expiration' value: 'tomorrow'",
    ],
    [
      "no conditions",
      encode({ expiration: "2030-01-01T00:00:00Z" }),
      "Invalid Policy: Policy missing conditions.",
    ],
    [
      "a non-string simple condition",
      encode({ expiration: "2030-01-01T00:00:00Z", conditions: [{ acl: 1 }] }),
      "Invalid Policy: Invalid Simple-Condition: value must be a string.",
    ],
  ])("refuses a policy with %s", (_, policy, message) => {
    expect(() => parsePolicy(policy)).toThrow(s3Error("InvalidPolicyDocument", message));
  });

  it("refuses an unknown condition operation", () => {
    const policy = encode({
      expiration: "2030-01-01T00:00:00Z",
      conditions: [["ends-with", "$key", "x"]],
    });
    expect(() => parsePolicy(policy)).toThrow(s3Error("InvalidPolicyDocument"));
  });
});
