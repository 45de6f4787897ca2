import {
  AuditHistory,
  onAny,
  platformContracts,
  S3ObjectCreated,
  S3ObjectDeleted,
} from "@platform/events";
import { defineService } from "@platform/manifest";

/** The audit service: an append-only ledger of every platform event, object change and proxy call. */
export default defineService({
  name: "audit",
  description: "Keeps who did what to which file, and every cross-service call.",
  functions: {
    record: {
      handler: "src/handlers/record.handler",
      description: "Appends each event to the ledger exactly once.",
      link: ["Ledger"],
    },
    history: {
      handler: "src/handlers/history.handler",
      description: "Answers audit.history: a file's or an actor's timeline.",
      link: ["Ledger"],
    },
  },
  subscriptions: {
    recordEverything: {
      description: "Every platform event, and every object created or deleted in the bucket.",
      function: "record",
      events: onAny([...platformContracts, S3ObjectCreated, S3ObjectDeleted]),
    },
  },
  operations: {
    "audit.history": { contract: AuditHistory, function: "history", callers: ["upload"] },
  },
  tables: {
    Ledger: {
      description:
        "Append-only entries keyed for a file's history, an actor's actions and a time range.",
      fields: { pk: "string", sk: "string", actorKey: "string", day: "string" },
      primaryIndex: { hashKey: "pk", rangeKey: "sk" },
      globalIndexes: {
        byActor: { hashKey: "actorKey", rangeKey: "sk" },
        byDay: { hashKey: "day", rangeKey: "sk" },
      },
    },
  },
});
