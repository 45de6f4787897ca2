export {
  type ContractOf,
  createInvoker,
  type Invoke,
  InvokeOptions,
  type InvokeResult,
  type Invoker,
  type InvokerOptions,
  type LambdaSender,
  type OperationName,
} from "./client.ts";
export { invoke } from "./default.ts";
export { InvokeError, OPERATION_INPUT_ERROR, OperationInputError } from "./errors.ts";
export {
  CallContext,
  CallerContext,
  callContextOf,
  DEFAULT_TIMEOUT_MS,
  encodeClientContext,
  INVOKE_ERROR_CODES,
  InvokeErrorCode,
  InvokeMode,
  Issue,
  issuesOf,
  MAX_TIMEOUT_MS,
  ProxyAnswer,
  ProxyRequest,
} from "./wire.ts";
