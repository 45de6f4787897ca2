export { ApiKeys } from "./apigateway/api-keys.ts";
export { mintToken } from "./apigateway/token.ts";
export type { FunctionLogLine } from "./lambda/logs.ts";
export { LOCAL_ACCOUNT, resourceNames } from "./names.ts";
export { type LocalCloud, type LocalCloudOptions, startLocalCloud } from "./platform.ts";
export {
  proxyPlaceholder,
  REPOSITORY_ROOT,
  type SeenEvent,
  startTestCloud,
  type TestCloud,
  testPlatformManifests,
} from "./testing.ts";
