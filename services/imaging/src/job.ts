import type { Variant } from "@platform/events";
import type { RejectionReason } from "./inspect.ts";

/**
 * How far imaging has come with one file, kept so that a retry resumes instead of redoing work,
 * and so that the result event is published under one id however often it is sent.
 *   started -> rendered (variants written) -> promoted (original copied) -> done
 *   started -> rejected (a refused file), or rendered -> rejected (the object changed meanwhile)
 */
export type JobState = "started" | "rendered" | "promoted" | "done" | "rejected";

export interface Original {
  key: string;
  size: number;
  contentType: string;
  width?: number;
  height?: number;
}

export interface Job {
  fileId: string;
  bucket: string;
  sourceKey: string;
  etag: string;
  purpose: string;
  entityId: string;
  state: JobState;
  /** The id of the job's result event (variants created, or rejected), fixed when it starts. */
  resultEventId: string;
  correlationId: string;
  contentType?: string;
  /** Steps in all: one per output, plus the promotion. */
  total: number;
  variants: Variant[];
  original?: Original;
  rejection?: { reason: RejectionReason; message: string; detectedType?: string };
  createdAt: string;
  updatedAt: string;
}

const ORDER: Record<JobState, number> = {
  started: 0,
  rendered: 1,
  promoted: 2,
  done: 3,
  rejected: 3,
};

/** Whether the job has at least reached `state` (rejected counts as finished, not as promoted). */
export function reached(job: Job, state: JobState): boolean {
  if (job.state === "rejected") return state === "rejected" || state === "started";
  return ORDER[job.state] >= ORDER[state];
}
