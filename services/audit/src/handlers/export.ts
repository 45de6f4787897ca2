import { EventBridgeEnvelope } from "@platform/events";
import { z } from "zod";
import { livePorts } from "../adapters/live.ts";
import { ExportRange, exportHours, hoursBetween, recentHours } from "../export.ts";

const ScheduledEvent = EventBridgeEnvelope.extend({
  source: z.literal("aws.events"),
  "detail-type": z.literal("Scheduled Event"),
});

/**
 * On a schedule: rewrites the last few hours' export objects. By hand, with `{ from, to }`
 * (ISO times): rewrites every hour of that range, e.g. after a dead letter was redriven.
 */
export const handler = async (raw: unknown) => {
  const manual = typeof raw === "object" && raw !== null && ("from" in raw || "to" in raw);
  let hours: string[];
  if (manual) {
    const { from, to } = ExportRange.parse(raw);
    hours = hoursBetween(new Date(from), new Date(to));
  } else {
    hours = recentHours(new Date(ScheduledEvent.parse(raw).time));
  }
  const written = await exportHours(livePorts(), hours);
  console.log(
    JSON.stringify({ level: "info", message: "exported", hours: hours.length, objects: written }),
  );
  return { hours, objects: written };
};
