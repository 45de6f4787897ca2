import { FileDeleted, FileReady, FileRejected, on, onAny, S3ObjectCreated } from "@platform/events";
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
      link: ["Notifications", "Webhooks"],
    },
    webhooks: {
      handler: "src/handlers/webhooks.handler",
      description: "The webhooks API: register, list, delete and test an owner's webhooks.",
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
  },
  routes: {
    "POST /webhooks": { function: "webhooks", auth: "jwt", scopes: ["webhooks:manage"] },
    "GET /webhooks": { function: "webhooks", auth: "jwt", scopes: ["webhooks:manage"] },
    "DELETE /webhooks/{id}": { function: "webhooks", auth: "jwt", scopes: ["webhooks:manage"] },
    "POST /webhooks/{id}/test": { function: "webhooks", auth: "jwt", scopes: ["webhooks:manage"] },
  },
  tables: {
    Webhooks: {
      description: "Each owner's webhooks, their secrets and delivery records.",
      fields: { pk: "string", sk: "string" },
      primaryIndex: { hashKey: "pk", rangeKey: "sk" },
    },
  },
  topics: {
    Notifications: { description: "File notices with eventType, purpose and ownerId attributes." },
  },
});
