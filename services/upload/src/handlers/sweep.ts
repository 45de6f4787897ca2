import { z } from "zod";
import { livePorts } from "../adapters/live.ts";
import { DEFAULT_GRACE_SECONDS, sweep } from "../consumers/sweep.ts";

// A scheduled event carries nothing we need; a manual run may shorten the grace period.
const SweepInput = z.looseObject({
  graceSeconds: z.number().int().min(0).max(86_400).default(DEFAULT_GRACE_SECONDS),
});

/** On a schedule: expires pending files whose upload never came, publishes events left owed. */
export const handler = async (raw: unknown) => {
  const { graceSeconds } = SweepInput.parse(raw ?? {});
  const { expired, drained } = await sweep(livePorts(), graceSeconds);
  console.log(
    JSON.stringify({
      level: "info",
      message: "swept",
      expired: expired.length,
      drained: drained.length,
    }),
  );
  return { expired, drained };
};
