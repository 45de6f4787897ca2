import { livePorts } from "../adapters/live.ts";
import { recordOwner } from "../owners.ts";

/** upload.file.requested: remembers whose file it is, for the "received" notice. */
export const handler = async (raw: unknown) => {
  const result = await recordOwner(livePorts(), raw);
  console.log(JSON.stringify({ level: "info", message: "owner recorded", ...result }));
  return result;
};
