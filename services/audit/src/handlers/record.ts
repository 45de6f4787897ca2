import { livePorts } from "../adapters/live.ts";
import { record } from "../record.ts";

/** Every platform event and S3 object event: appended to the ledger once. */
export const handler = async (raw: unknown) => {
  const result = await record(livePorts(), raw);
  console.log(JSON.stringify({ level: "info", message: "audited", ...result }));
  return result;
};
