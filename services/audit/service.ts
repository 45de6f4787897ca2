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
    export: {
      handler: "src/handlers/export.handler",
      description: "Writes the ledger's recent hours to the bucket as JSON Lines, for Athena.",
      timeout: "5 minutes",
      link: ["Ledger", "Uploads"],
    },
  },
  subscriptions: {
    recordEverything: {
      // onAny takes no detail filter, so S3's events for the export's own objects (audit/)
      // arrive too and are skipped by the handler.
      description: "Every platform event, and every object created or deleted in the bucket.",
      function: "record",
      events: onAny([...platformContracts, S3ObjectCreated, S3ObjectDeleted]),
    },
  },
  schedules: {
    exportLedger: {
      description: "Rewrites the last few hours of the ledger under audit/dt=YYYY-MM-DD/HH.jsonl.",
      function: "export",
      schedule: "rate(15 minutes)",
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
