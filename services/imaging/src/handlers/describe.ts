import { DescribeImage } from "@platform/events";
import { livePorts } from "../adapters/live.ts";
import { describeFile } from "../describe.ts";

/** The imaging.describe operation, invoked by the invoke-proxy with the caller's input. */
export const handler = async (raw: unknown) => {
  const { fileId } = DescribeImage.input.parse(raw);
  return DescribeImage.output.parse(await describeFile(livePorts(), fileId));
};
