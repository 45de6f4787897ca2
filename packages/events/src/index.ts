export {
  type AnyAwsContract,
  type AnyContract,
  type AnyPlatformContract,
  type AwsContract,
  type DataInputOf,
  type DataOf,
  type DetailOf,
  defineAwsContract,
  defineContract,
  type LatestVersionOf,
  type PlatformContract,
  supportedVersions,
  type VersionedSchemas,
  type VersionOf,
} from "./contract.ts";
export { Variant } from "./contracts/fields.ts";
export * from "./contracts/imaging.ts";
export {
  contractFor,
  type KnownPlatformContract,
  type PlatformDetailType,
  platformContracts,
} from "./contracts/index.ts";
export * from "./contracts/proxy.ts";
export * from "./contracts/s3.ts";
export * from "./contracts/upload.ts";
export {
  MAX_ENTRIES_PER_REQUEST,
  MAX_EVENT_BYTES,
  type PublishContext,
  putEventsEntrySize,
} from "./entry.ts";
export { Actor, EventBridgeEnvelope, Metadata } from "./envelope.ts";
export {
  EventTooLargeError,
  EventValidationError,
  type FailedEntry,
  PublishError,
  type ValidationIssue,
} from "./errors.ts";
export type { AwsEvent, EventEnvelopeFields, EventOf, PlatformEvent } from "./event.ts";
export {
  AuditHistory,
  DescribeImage,
  defineOperation,
  type OperationContract,
  type OperationInput,
  type OperationOutput,
  operationContracts,
} from "./operations.ts";
export { isVersion, parse, type SafeParseResult, safeParse } from "./parse.ts";
export {
  type DetailFilter,
  type EventPattern,
  type EventSelector,
  type FilterableDetail,
  type Matcher,
  on,
  onAny,
  onEveryPlatformEvent,
} from "./pattern.ts";
export {
  createPublisher,
  type DataForContext,
  type EventBridgeSender,
  type Publisher,
  type PublisherOptions,
  type PublishItem,
  type PublishResult,
} from "./publish.ts";
