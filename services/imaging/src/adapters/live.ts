import { tmpdir } from "node:os";
import type { ImagingEvents, JobStore, ObjectStore, Ports } from "../ports.ts";
import { busEvents } from "./bus-events.ts";
import { documents, eventBridge, s3 } from "./clients.ts";
import { jobsTable } from "./jobs-table.ts";
import { bucketObjects } from "./objects.ts";
import { linkedName } from "./resources.ts";

// Each port is built on first use, so a function needs links only to what it really uses.
let jobs: JobStore | undefined;
let objects: ObjectStore | undefined;
let events: ImagingEvents | undefined;

const ports: Ports = {
  get jobs() {
    jobs ??= jobsTable(documents, linkedName("ImagingJobs"));
    return jobs;
  },
  get objects() {
    objects ??= bucketObjects(s3, linkedName("Uploads"));
    return objects;
  },
  get events() {
    events ??= busEvents(eventBridge, linkedName("Bus"));
    return events;
  },
  workDir: tmpdir(),
  now: () => new Date(),
  newId: () => crypto.randomUUID(),
};

export function livePorts(): Ports {
  return ports;
}
