import {
  createPublisher,
  type EventBridgeSender,
  ImagingFileRejected,
  ImagingProgressUpdated,
  VariantsCreated,
} from "@platform/events";
import type { ImagingEvents } from "../ports.ts";

const actor = { type: "service" as const, id: "imaging" };

/** imaging.* events on the platform bus; a job's result always goes out under its one id. */
export function busEvents(client: EventBridgeSender, eventBusName: string): ImagingEvents {
  const publisher = createPublisher({ client, eventBusName });
  const context = (correlationId: string, eventId?: string) => ({
    actor,
    correlationId,
    ...(eventId ? { eventId } : {}),
  });
  return {
    async progress(job, done, variant) {
      await publisher.publish(
        ImagingProgressUpdated,
        {
          fileId: job.fileId,
          bucket: job.bucket,
          sourceKey: job.sourceKey,
          done,
          total: job.total,
          ...(variant ? { variant } : {}),
        },
        context(job.correlationId),
      );
    },
    async variantsCreated(job) {
      if (!job.original) throw new Error(`job ${job.fileId} has no original to announce`);
      await publisher.publish(
        VariantsCreated,
        {
          fileId: job.fileId,
          bucket: job.bucket,
          sourceKey: job.sourceKey,
          purpose: job.purpose,
          entityId: job.entityId,
          original: job.original,
          variants: job.variants,
        },
        context(job.correlationId, job.resultEventId),
      );
    },
    async rejected(job) {
      if (!job.rejection) throw new Error(`job ${job.fileId} has no rejection to announce`);
      await publisher.publish(
        ImagingFileRejected,
        {
          fileId: job.fileId,
          bucket: job.bucket,
          sourceKey: job.sourceKey,
          purpose: job.purpose,
          entityId: job.entityId,
          ...job.rejection,
        },
        context(job.correlationId, job.resultEventId),
      );
    },
  };
}
