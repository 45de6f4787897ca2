export { LOCAL_ACCOUNT, resourceNames } from "./names.ts";
export { type LocalCloud, type LocalCloudOptions, startLocalCloud } from "./platform.ts";
