import type { Wiring } from "@platform/manifest";

/**
 * One scheduled EventBridge rule per manifest schedule, invoking its function (asynchronously, so
 * the function's retries and failure queue apply). SST's Cron also grants events.amazonaws.com
 * the right to invoke that function, for that rule only.
 */
export function createSchedules(wiring: Wiring, functions: Record<string, sst.aws.Function>) {
  return wiring.schedules.map((schedule) => {
    const fn = functions[schedule.target];
    if (!fn)
      throw new Error(`schedule ${schedule.id} targets ${schedule.target}, which was not created`);
    return new sst.aws.Cron(schedule.id, {
      schedule: schedule.schedule,
      function: fn.arn,
      transform: {
        rule: { description: `${schedule.service}: ${schedule.description}` },
        // Cron sends a constant `{}` by default; without an input the function gets EventBridge's
        // own "Scheduled Event", as it does locally.
        target: (args) => {
          args.input = undefined;
        },
      },
    });
  });
}
