import type { EventSink, FilesStore, Ports, Storage } from "../ports.ts";
import { dynamo, eventBridge, s3 } from "./clients.ts";
import { busEventSink } from "./event-sink.ts";
import { filesTable } from "./files-table.ts";
import { proxiedOperations } from "./operations.ts";
import { linkedName } from "./resources.ts";
import { bucketStorage } from "./storage.ts";

// Each port is built on first use, so a function needs links only to what it really uses.
let files: FilesStore | undefined;
let storage: Storage | undefined;
let events: EventSink | undefined;

const ports: Ports = {
  get files() {
    files ??= filesTable(dynamo, linkedName("Files"));
    return files;
  },
  get storage() {
    storage ??= bucketStorage(s3, linkedName("Uploads"));
    return storage;
  },
  get events() {
    events ??= busEventSink(eventBridge, linkedName("Bus"));
    return events;
  },
  operations: proxiedOperations,
  now: () => new Date(),
  newId: () => crypto.randomUUID(),
};

/** The real ports, from the resources this function is linked to. */
export function livePorts(): Ports {
  return ports;
}
