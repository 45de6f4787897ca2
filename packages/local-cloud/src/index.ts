export { ApiKeys } from "./apigateway/api-keys.ts";
export { mintToken } from "./apigateway/token.ts";
export { LOCAL_ACCOUNT, resourceNames } from "./names.ts";
export { type LocalCloud, type LocalCloudOptions, startLocalCloud } from "./platform.ts";
export { REPOSITORY_ROOT, type SeenEvent, startTestCloud, type TestCloud } from "./testing.ts";
