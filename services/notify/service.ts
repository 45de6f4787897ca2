import {
  FileDeleted,
  FileReady,
  FileRejected,
  FileRequested,
  on,
  onAny,
  S3ObjectCreated,
} from "@platform/events";
import { defineService } from "@platform/manifest";

/** The notification service: SNS fan-out with filterable attributes, and signed webhooks. */
export default defineService({
  name: "notify",
  description: "Tells apps and back-ends when a file is received, ready, rejected or deleted.",
  functions: {
    fanOut: {
      handler: "src/handlers/fan-out.handler",
      description:
        "Publishes each notable event to the Notifications topic and to matching webhooks.",
      // Room for every webhook's attempts and backoff within one run (src/settings.ts).
      timeout: "3 minutes",
      link: ["Notifications", "Webhooks", "FileOwners"],
    },
    recordOwner: {
      handler: "src/handlers/record-owner.handler",
      description: "Remembers whose each requested file is, for the 'received' notice.",
      // Its own table only: it never needs to read a webhook or its secret.
      link: ["FileOwners"],
    },
    webhooks: {
      handler: "src/handlers/webhooks.handler",
      description: "The webhooks API: register, list, enable, delete and test an owner's webhooks.",
      link: ["Webhooks"],
    },
  },
  subscriptions: {
    fileOutcomes: {
      description: "A file became ready, was rejected or was deleted.",
      function: "fanOut",
      events: onAny([FileReady, FileRejected, FileDeleted]),
    },
    fileReceived: {
      description: "Bytes arrived under tmp/ (a 'received' notice).",
      function: "fanOut",
      events: on(S3ObjectCreated, { object: { key: [{ prefix: "tmp/" }] } }),
    },
    fileRequests: {
      description: "A file was requested: whose it is (no notice of its own).",
      function: "recordOwner",
      events: on(FileRequested),
    },
  },
  routes: {
    "GET /webhooks/openapi.json": { function: "webhooks", auth: "public" },
    "POST /webhooks": { function: "webhooks", auth: "jwt", scopes: ["webhooks:manage"] },
    "GET /webhooks": { function: "webhooks", auth: "jwt", scopes: ["webhooks:manage"] },
    "DELETE /webhooks/{id}": { function: "webhooks", auth: "jwt", scopes: ["webhooks:manage"] },
    "PATCH /webhooks/{id}": { function: "webhooks", auth: "jwt", scopes: ["webhooks:manage"] },
    "POST /webhooks/{id}/test": { function: "webhooks", auth: "jwt", scopes: ["webhooks:manage"] },
  },
  tables: {
    Webhooks: {
      description: "Each owner's webhooks and secrets, and each event's deliveries.",
      fields: { pk: "string", sk: "string" },
      primaryIndex: { hashKey: "pk", rangeKey: "sk" },
      ttl: "expiresAt",
    },
    FileOwners: {
      description: "Whose each requested file is (from upload.file.requested), kept a week.",
      fields: { fileId: "string" },
      primaryIndex: { hashKey: "fileId" },
      ttl: "expiresAt",
    },
  },
  topics: {
    Notifications: { description: "File notices with eventType, purpose and ownerId attributes." },
  },
});
