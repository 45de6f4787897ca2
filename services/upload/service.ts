import {
  FileDeleted,
  ImagingFileRejected,
  ImagingProgressUpdated,
  on,
  onAny,
  S3ObjectCreated,
  VariantsCreated,
} from "@platform/events";
import { defineService } from "@platform/manifest";

/**
 * The upload service: the public API clients call, and the owner of the files table.
 * Publishes upload.file.{requested,uploaded,ready,rejected,deleted,expired}.
 */
export default defineService({
  name: "upload",
  description:
    "Issues presigned uploads, records every file, and tells clients how far processing has come.",
  functions: {
    api: {
      handler: "src/handlers/api.handler",
      description: "The HTTP API behind API Gateway (every route below).",
      memory: "1024 MB",
      timeout: "29 seconds",
      link: ["Files", "Uploads", "Bus", "InvokeProxy"],
    },
    objectCreated: {
      handler: "src/handlers/object-created.handler",
      description:
        "Marks a file uploaded once its bytes land under tmp/, checking size and checksum.",
      link: ["Files", "Uploads", "Bus"],
    },
    imagingResult: {
      handler: "src/handlers/imaging-result.handler",
      description:
        "Moves a file to processing, ready or rejected from imaging's events, removing variants made for a file that has since ended.",
      link: ["Files", "Uploads", "Bus"],
    },
    purge: {
      handler: "src/handlers/purge.handler",
      description: "Removes a deleted file's objects from the bucket.",
      timeout: "2 minutes",
      link: ["Uploads"],
    },
    sweep: {
      handler: "src/handlers/sweep.handler",
      description:
        "Expires pending files whose upload never came (aborting their multipart uploads) and publishes events rows still owe.",
      timeout: "5 minutes",
      link: ["Files", "Uploads", "Bus"],
    },
  },
  subscriptions: {
    objectCreated: {
      description: "Bytes arrived under tmp/.",
      function: "objectCreated",
      events: on(S3ObjectCreated, { object: { key: [{ prefix: "tmp/" }] } }),
    },
    imagingResults: {
      description: "Progress, variants and rejections from imaging.",
      function: "imagingResult",
      events: onAny([ImagingProgressUpdated, VariantsCreated, ImagingFileRejected]),
    },
    purgeDeleted: {
      description: "A file was deleted through the API.",
      function: "purge",
      events: on(FileDeleted),
    },
  },
  schedules: {
    sweepExpired: {
      description:
        "Pending files whose signed upload expired unused become expired; events a row still owes are published.",
      function: "sweep",
      schedule: "rate(5 minutes)",
    },
  },
  routes: {
    "GET /health": { function: "api", auth: "public" },
    "GET /openapi.json": { function: "api", auth: "public" },
    "POST /uploads": { function: "api", auth: "jwt", scopes: ["files:write"] },
    "POST /uploads/{fileId}/multipart": { function: "api", auth: "jwt", scopes: ["files:write"] },
    "GET /uploads/{fileId}/multipart/{uploadId}": {
      function: "api",
      auth: "jwt",
      scopes: ["files:write"],
    },
    "GET /uploads/{fileId}/multipart/{uploadId}/parts/{partNumber}": {
      function: "api",
      auth: "jwt",
      scopes: ["files:write"],
    },
    "POST /uploads/{fileId}/multipart/{uploadId}/complete": {
      function: "api",
      auth: "jwt",
      scopes: ["files:write"],
    },
    "DELETE /uploads/{fileId}/multipart/{uploadId}": {
      function: "api",
      auth: "jwt",
      scopes: ["files:write"],
    },
    "POST /files": { function: "api", auth: "jwt", scopes: ["files:write"] },
    "GET /files": { function: "api", auth: "jwt", scopes: ["files:read"] },
    "GET /files/{fileId}": { function: "api", auth: "jwt", scopes: ["files:read"] },
    "GET /files/{fileId}/content": { function: "api", auth: "jwt", scopes: ["files:read"] },
    "GET /files/{fileId}/history": { function: "api", auth: "jwt", scopes: ["files:read"] },
    "DELETE /files/{fileId}": { function: "api", auth: "jwt", scopes: ["files:write"] },
  },
  tables: {
    Files: {
      description: "One row per file: who asked for it, for what, and where it stands.",
      fields: {
        fileId: "string",
        ownerId: "string",
        ownerScope: "string",
        createdAt: "string",
        sweepShard: "string",
        sweepAt: "string",
      },
      primaryIndex: { hashKey: "fileId" },
      globalIndexes: {
        byOwner: { hashKey: "ownerId", rangeKey: "createdAt" },
        byOwnerScope: { hashKey: "ownerScope", rangeKey: "createdAt" },
        // Sparse: only pending files, and ended files still owing events, carry sweepShard,
        // so the sweep reads nothing else.
        pendingBySweepAt: { hashKey: "sweepShard", rangeKey: "sweepAt" },
      },
      ttl: "expiresAt",
    },
  },
});
