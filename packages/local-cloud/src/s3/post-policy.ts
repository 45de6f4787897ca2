import { S3Error } from "./errors.ts";
import type { SecretLookup } from "./ports.ts";
import {
  ALGORITHM,
  hmac,
  parseCredential,
  SIGNATURE_MISMATCH,
  sameSignature,
  signingKey,
} from "./sigv4.ts";

/**
 * Browser-based POST uploads: the SigV4 signature over the base64 policy, the policy's
 * expiration and conditions, and S3's rule that every form field is covered by a condition.
 */

export interface PostForm {
  /** Form fields as sent (names compared case-insensitively, as S3 does), without the file. */
  fields: Record<string, string>;
  /** The file part's filename, which replaces `${filename}` in the key. */
  filename: string;
}

export interface PostPolicyGrant {
  accessKeyId: string;
  region: string;
  key: string;
  contentType: string | undefined;
  /** 200, 201 or 204 (S3's default, also for any other value). */
  successActionStatus: 200 | 201 | 204;
  successActionRedirect: string | undefined;
  /** x-amz-meta-* fields, names lower-cased. */
  metadata: Record<string, string>;
  /** Every form field, names lower-cased (for acl, Cache-Control, tagging …). */
  fields: Record<string, string>;
  /** Throws EntityTooLarge / EntityTooSmall outside the policy's content-length-range. */
  checkLength(size: number): void;
}

export type PolicyCondition =
  | { op: "eq" | "starts-with"; field: string; value: string; text: string }
  | { op: "content-length-range"; min: number; max: number };

export interface PostPolicy {
  expiration: Date;
  conditions: PolicyCondition[];
}

const accessDenied = (message: string) => new S3Error("AccessDenied", message, 403);
const invalidPolicy = (detail: string) =>
  new S3Error("InvalidPolicyDocument", `Invalid Policy: ${detail}`, 400);
// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's own literal placeholder.
const FILENAME_VARIABLE = "${filename}";
/** Fields S3 never asks a condition for. */
const UNCOVERED = new Set(["x-amz-signature", "file", "policy"]);

export function verifyPostPolicy(
  form: PostForm,
  bucket: string,
  secrets: SecretLookup,
  now: Date,
): PostPolicyGrant {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(form.fields)) fields[name.toLowerCase()] = value;
  const rawKey = fields.key;
  if (!rawKey) {
    throw new S3Error(
      "InvalidArgument",
      "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
      400,
      { ArgumentName: "key", ArgumentValue: "" },
    );
  }
  const policyText = fields.policy;
  const algorithm = fields["x-amz-algorithm"];
  const credentialText = fields["x-amz-credential"];
  const signature = fields["x-amz-signature"];
  // A private bucket takes no anonymous POST: without policy and signature there is no grant.
  if (!policyText || !algorithm || !credentialText || !fields["x-amz-date"] || !signature) {
    throw accessDenied("Access Denied");
  }
  if (algorithm !== ALGORITHM) {
    throw new S3Error(
      "InvalidArgument",
      `Unsupported value for x-amz-algorithm: only ${ALGORITHM} is supported`,
      400,
      { ArgumentName: "x-amz-algorithm", ArgumentValue: algorithm },
    );
  }
  const credential = parseCredential(credentialText);
  if (credential?.service !== "s3" || credential.terminal !== "aws4_request") {
    throw new S3Error(
      "InvalidArgument",
      `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`,
      400,
      { ArgumentName: "x-amz-credential", ArgumentValue: credentialText },
    );
  }
  const secret = secrets(credential.accessKeyId);
  if (secret === undefined) {
    throw new S3Error(
      "InvalidAccessKeyId",
      "The AWS Access Key Id you provided does not exist in our records.",
      403,
      { AWSAccessKeyId: credential.accessKeyId },
    );
  }
  const key = signingKey(secret, credential.date, credential.region, "s3");
  if (!sameSignature(hmac(key, policyText).toString("hex"), signature)) {
    throw new S3Error("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403, {
      AWSAccessKeyId: credential.accessKeyId,
      StringToSign: policyText,
      SignatureProvided: signature,
    });
  }

  const policy = parsePolicy(policyText);
  if (now.getTime() > policy.expiration.getTime()) {
    throw accessDenied("Invalid according to Policy: Policy expired.");
  }
  const objectKey = rawKey.replaceAll(FILENAME_VARIABLE, form.filename);
  // Conditions see the key after substitution and the bucket the URL names.
  const values: Record<string, string> = { ...fields, key: objectKey, bucket };
  const covered = new Set<string>();
  let min = 0;
  let max = Number.POSITIVE_INFINITY;
  for (const condition of policy.conditions) {
    if (condition.op === "content-length-range") {
      min = Math.max(min, condition.min);
      max = Math.min(max, condition.max);
      continue;
    }
    covered.add(condition.field);
    if (!holds(condition, values[condition.field] ?? "")) {
      throw accessDenied(`Invalid according to Policy: Policy Condition failed: ${condition.text}`);
    }
  }
  const extra = Object.keys(form.fields).filter((name) => {
    const lower = name.toLowerCase();
    return !UNCOVERED.has(lower) && !lower.startsWith("x-ignore-") && !covered.has(lower);
  });
  if (extra.length > 0) {
    throw accessDenied(`Invalid according to Policy: Extra input fields: ${extra.join(", ")}`);
  }

  const status = Number(fields.success_action_status);
  return {
    accessKeyId: credential.accessKeyId,
    region: credential.region,
    key: objectKey,
    contentType: fields["content-type"],
    successActionStatus: status === 200 || status === 201 ? status : 204,
    successActionRedirect: fields.success_action_redirect ?? fields.redirect,
    metadata: Object.fromEntries(
      Object.entries(fields).filter(([name]) => name.startsWith("x-amz-meta-")),
    ),
    fields,
    checkLength(size: number) {
      if (size > max) {
        throw new S3Error(
          "EntityTooLarge",
          "Your proposed upload exceeds the maximum allowed size",
          400,
          { ProposedSize: size, MaxSizeAllowed: max },
        );
      }
      if (size < min) {
        throw new S3Error(
          "EntityTooSmall",
          "Your proposed upload is smaller than the minimum allowed size",
          400,
          { ProposedSize: size, MinSizeAllowed: min },
        );
      }
    },
  };
}

function holds(condition: PolicyCondition & { op: "eq" | "starts-with" }, actual: string): boolean {
  if (condition.op === "eq") return actual === condition.value;
  // A Content-Type may list several types, each of which must match.
  const parts = condition.field === "content-type" ? actual.split(",") : [actual];
  return parts.every((part) => part.trim().startsWith(condition.value));
}

/** Decodes and checks the shape of a base64 policy document; InvalidPolicyDocument if wrong. */
export function parsePolicy(base64: string): PostPolicy {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(base64, "base64").toString("utf8"));
  } catch {
    throw invalidPolicy("Invalid JSON.");
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw invalidPolicy("Invalid JSON.");
  }
  const { expiration, conditions } = document as Record<string, unknown>;
  if (expiration === undefined) throw invalidPolicy("Policy missing expiration.");
  const expires =
    typeof expiration === "string" && /^\d{4}-\d{2}-\d{2}T/.test(expiration)
      ? new Date(expiration)
      : undefined;
  if (expires === undefined || Number.isNaN(expires.getTime())) {
    throw invalidPolicy(`Invalid 'expiration' value: '${String(expiration)}'`);
  }
  if (!Array.isArray(conditions)) throw invalidPolicy("Policy missing conditions.");
  return { expiration: expires, conditions: conditions.flatMap(parseCondition) };
}

function parseCondition(raw: unknown): PolicyCondition[] {
  if (Array.isArray(raw)) return [parseListCondition(raw)];
  if (typeof raw !== "object" || raw === null) {
    throw invalidPolicy("Invalid Condition: a condition must be an object or a list.");
  }
  return Object.entries(raw).map(([name, value]) => {
    if (typeof value !== "string") {
      throw invalidPolicy("Invalid Simple-Condition: value must be a string.");
    }
    return matchCondition("eq", `$${name}`, value);
  });
}

function parseListCondition(raw: unknown[]): PolicyCondition {
  const [op, first, second] = raw;
  const opName = typeof op === "string" ? op.toLowerCase() : "";
  if (opName === "content-length-range") {
    const [min, max] = [first, second].map((n) =>
      typeof n === "number" || (typeof n === "string" && /^\d+$/.test(n)) ? Number(n) : Number.NaN,
    );
    const valid = [min, max].every((n) => Number.isInteger(n) && (n ?? -1) >= 0);
    if (raw.length !== 3 || !valid || min === undefined || max === undefined) {
      throw invalidPolicy("Invalid content-length-range: expected two non-negative integers.");
    }
    return { op: "content-length-range", min, max };
  }
  if (opName !== "eq" && opName !== "starts-with") {
    throw invalidPolicy(`Invalid Condition: unknown operation "${String(op)}".`);
  }
  if (raw.length !== 3 || typeof first !== "string" || typeof second !== "string") {
    throw invalidPolicy(`Invalid Condition: "${opName}" takes a $field name and a string.`);
  }
  if (!first.startsWith("$")) {
    throw invalidPolicy(`Invalid Condition: field name must start with '$': "${first}".`);
  }
  return matchCondition(opName, first, second);
}

function matchCondition(op: "eq" | "starts-with", field: string, value: string): PolicyCondition {
  // S3 quotes a failed condition as JSON with ", " between its parts.
  const text = `[${[op, field, value].map((part) => JSON.stringify(part)).join(", ")}]`;
  return { op, field: field.slice(1).toLowerCase(), value, text };
}
