import {
  type ApiRequest,
  HttpProblem,
  json,
  jsonBody,
  type Principal,
  principalOf,
  validate,
} from "@platform/http-api";
import type { FileRecord, UploadMethod } from "../files.ts";
import { entityOf, tmpKey } from "../keys.ts";
import { flush, sweepAtFor } from "../lifecycle.ts";
import type { Ports } from "../ports.ts";
import { allows, PURPOSES, type PurposeName } from "../purposes.ts";
import { CreateUpload, CreateUploadQuery } from "./schemas.ts";

/** What a client declares about a file before sending it, once validated. */
export interface Declared {
  filename: string;
  contentType: string;
  size: number;
  purpose: PurposeName;
  entityId?: string | undefined;
  sha256?: string | undefined;
}

/**
 * Checks a declaration against its purpose: 415 for a type the purpose does not take, 413 over
 * its size limit, and the entity the file will live under (403 for someone else's own entity).
 */
export function admit(declared: Declared, principal: Principal): { entityId: string } {
  const purpose = PURPOSES[declared.purpose];
  if (!allows(purpose, declared.contentType))
    throw new HttpProblem(
      415,
      "type-not-allowed",
      "Content type not allowed for this purpose",
      `${declared.purpose} accepts ${purpose.contentTypes.join(", ")}; got ${declared.contentType}`,
      [{ in: "body", name: "contentType", detail: "not allowed for this purpose" }],
    );
  if (declared.size > purpose.maxBytes)
    throw new HttpProblem(
      413,
      "too-large",
      "File too large for this purpose",
      `${declared.purpose} accepts at most ${purpose.maxBytes} bytes; declared ${declared.size}`,
      [{ in: "body", name: "size", detail: `at most ${purpose.maxBytes}` }],
    );
  const own = entityOf(principal.ownerId);
  if (purpose.entity === "owner") {
    if (declared.entityId !== undefined && declared.entityId !== own)
      throw new HttpProblem(
        403,
        "not-your-entity",
        "Forbidden",
        `${declared.purpose} files belong to their owner: omit entityId or send ${own}`,
        [{ in: "body", name: "entityId", detail: "must be your own" }],
      );
    return { entityId: own };
  }
  if (purpose.entity === "required" && declared.entityId === undefined)
    throw new HttpProblem(
      400,
      "invalid-request",
      "The request is not valid",
      "entityId is required",
      [{ in: "body", name: "entityId", detail: `required for ${declared.purpose}` }],
    );
  return { entityId: declared.entityId ?? own };
}

/** The row a file starts as, recorded (with its upload.file.requested) before anything is signed. */
export function newFile(
  ports: Pick<Ports, "now" | "newId" | "storage">,
  input: {
    declared: Declared;
    entityId: string;
    principal: Principal;
    method: UploadMethod;
    expiresIn: number;
    correlationId: string;
  },
): FileRecord {
  const { declared, entityId, principal, method } = input;
  const now = ports.now();
  const createdAt = now.toISOString();
  const uploadExpiresAt = new Date(now.getTime() + input.expiresIn * 1000).toISOString();
  const fileId = ports.newId();
  const key = tmpKey({ ...declared, entityId, fileId, createdAt });
  return {
    fileId,
    ownerId: principal.ownerId,
    ownerScope: `${principal.ownerId}#${declared.purpose}#${entityId}`,
    actor: principal.actor,
    purpose: declared.purpose,
    entityId,
    filename: declared.filename,
    contentType: declared.contentType,
    size: declared.size,
    ...(declared.sha256 ? { sha256: declared.sha256 } : {}),
    method,
    status: "pending",
    key,
    correlationId: input.correlationId,
    createdAt,
    updatedAt: createdAt,
    uploadExpiresAt,
    progress: { done: 0, total: 0 },
    variants: [],
    rev: 1,
    outbox: [
      {
        detailType: "upload.file.requested",
        eventId: ports.newId(),
        data: {
          fileId,
          ownerId: principal.ownerId,
          purpose: declared.purpose,
          entityId,
          bucket: ports.storage.bucket,
          key,
          filename: declared.filename,
          contentType: declared.contentType,
          size: declared.size,
          ...(declared.sha256 ? { sha256: declared.sha256 } : {}),
          method,
          expiresAt: uploadExpiresAt,
        },
        actor: principal.actor,
        causationId: null,
      },
    ],
    sweepShard: "pending",
    sweepAt: sweepAtFor(uploadExpiresAt, declared.size),
  };
}

const base64OfHex = (hex: string) => Buffer.from(hex, "hex").toString("base64");

/** POST /uploads: record the file, then sign a POST (default) or PUT straight to S3. */
async function createUpload(req: ApiRequest, ports: Ports) {
  const principal = principalOf(req);
  const { method } = validate(CreateUploadQuery, req.query, "query");
  const body = validate(CreateUpload, jsonBody(req), "body");
  const { entityId } = admit(body, principal);
  const file = newFile(ports, {
    declared: body,
    entityId,
    principal,
    method: method === "put" ? "PUT" : "POST",
    expiresIn: body.expiresIn,
    correlationId: req.requestId,
  });

  // Record before signing: if this write fails, the request fails and nothing is signed.
  await ports.files.create(file);
  await flush(ports, file);

  const signed = {
    key: file.key,
    contentType: file.contentType,
    size: file.size,
    expiresIn: body.expiresIn,
  };
  const upload =
    method === "put"
      ? {
          method: "PUT" as const,
          ...(await ports.storage.presignPut({
            ...signed,
            ...(file.sha256 ? { sha256Base64: base64OfHex(file.sha256) } : {}),
          })),
          expiresAt: file.uploadExpiresAt,
        }
      : {
          method: "POST" as const,
          ...(await ports.storage.presignPost(signed)),
          expiresAt: file.uploadExpiresAt,
        };
  return json(
    201,
    { fileId: file.fileId, key: file.key, status: file.status, upload },
    { location: `/files/${file.fileId}` },
  );
}

export const routes = { "POST /uploads": createUpload };
