import { Resource } from "sst/resource";

// The resources linked to this service's functions (SST_RESOURCE_<Name> in the environment).
const linked = Resource as unknown as Record<string, { name?: string; arn?: string } | undefined>;

/** The physical name of a linked table; a clear error when the function is not linked to it. */
export function linkedName(link: "Webhooks" | "FileOwners"): string {
  const name = linked[link]?.name;
  if (!name) throw new Error(`${link} is not linked to this function (no SST_RESOURCE_${link})`);
  return name;
}

/** A linked topic's ARN (what SNS's Publish takes). */
export function linkedArn(link: "Notifications"): string {
  const arn = linked[link]?.arn;
  if (!arn) throw new Error(`${link} is not linked to this function (no SST_RESOURCE_${link})`);
  return arn;
}
