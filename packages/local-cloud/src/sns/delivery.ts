import type { DeadLetters, Redrive } from "../dead-letters.ts";
import type { HttpRequest } from "./envelopes.ts";
import type { Subscription } from "./subscription.ts";

/** The local Lambda as SNS needs it: find a function, hand it an event. */
export interface LambdaPort {
  resolve(nameOrArn: string): string | undefined;
  invokeAsync(name: string, payload: string): void;
}

export interface DeliveryPorts {
  lambda: LambdaPort;
  deadLetters: DeadLetters;
  fetch: typeof fetch;
  /** Wait before HTTP retry n (1-based). SNS waits 20 s; locally the default is n seconds. */
  retryDelayMs: (attempt: number) => number;
  now: () => Date;
  log: (line: string) => void;
}

/** SNS's default HTTP/S policy: the first attempt and 3 retries. */
export const HTTP_ATTEMPTS = 4;
/** SNS gives an endpoint 15 seconds to answer. */
const HTTP_TIMEOUT_MS = 15_000;

/**
 * What a dead letter needs to be posted again to an HTTP(S) subscriber. Not yet a kind of
 * Redrive in dead-letters.ts; until it is, SNS stores it with a cast.
 */
export interface HttpRedrive {
  kind: "http";
  url: string;
  headers: Record<string, string>;
  body: string;
}

interface Failure {
  code: string;
  message: string;
}

/**
 * SNS hands the event to Lambda's asynchronous invocation, whose own retries take it from there.
 * A function that does not exist is a failed delivery, dead-lettered at once.
 */
export async function deliverToLambda(
  ports: DeliveryPorts,
  sub: Subscription,
  payload: string,
): Promise<void> {
  const name = ports.lambda.resolve(sub.endpoint);
  if (name) {
    ports.lambda.invokeAsync(name, payload);
    return;
  }
  ports.log(`sns ${topicName(sub)} → ${sub.endpoint}: function not found`);
  await deadLetter(
    ports,
    sub,
    { code: "ResourceNotFoundException", message: `Function not found: ${sub.endpoint}` },
    1,
    ports.now(),
    { kind: "lambda", functionName: sub.endpoint, payload },
  );
}

/**
 * POSTs with SNS's retry rules: network errors, timeouts, 5xx and 429 are retried; any 2xx is
 * delivered; other answers are client errors, not retried. A notification that never got through
 * goes to the subscription's dead-letter queue, if it has one. `wanted` stops retries for a
 * subscription deleted meanwhile.
 */
export async function deliverToHttp(
  ports: DeliveryPorts,
  sub: Subscription,
  request: HttpRequest,
  options: { wanted: () => boolean; deadLetter: boolean },
): Promise<boolean> {
  const firstAttemptAt = ports.now();
  let failure: Failure = { code: "NotAttempted", message: "no attempt was made" };
  let attempts = 0;
  while (attempts < HTTP_ATTEMPTS) {
    if (attempts > 0) await new Promise((r) => setTimeout(r, ports.retryDelayMs(attempts)));
    if (!options.wanted()) return false;
    attempts++;
    const outcome = await post(ports, sub.endpoint, request);
    if (outcome === "delivered") {
      ports.log(`sns ${topicName(sub)} → ${sub.endpoint}: delivered (attempt ${attempts})`);
      return true;
    }
    failure = outcome.failure;
    if (!outcome.retry) break;
  }
  ports.log(
    `sns ${topicName(sub)} → ${sub.endpoint}: failed after ${attempts} attempt(s): ${failure.code} ${failure.message}`,
  );
  if (options.deadLetter) {
    const redrive: HttpRedrive = { kind: "http", url: sub.endpoint, ...request };
    await deadLetter(ports, sub, failure, attempts, firstAttemptAt, redrive);
  }
  return false;
}

async function post(
  ports: DeliveryPorts,
  url: string,
  request: HttpRequest,
): Promise<"delivered" | { failure: Failure; retry: boolean }> {
  try {
    const response = await ports.fetch(url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    await response.arrayBuffer().catch(() => {});
    if (response.status >= 200 && response.status < 300) return "delivered";
    return {
      failure: { code: String(response.status), message: response.statusText || "HTTP error" },
      retry: response.status >= 500 || response.status === 429,
    };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const code = e.cause?.code ?? e.name;
    return { failure: { code, message: e.cause?.message ?? e.message }, retry: true };
  }
}

async function deadLetter(
  ports: DeliveryPorts,
  sub: Subscription,
  error: Failure,
  attempts: number,
  firstAttemptAt: Date,
  redrive: Redrive,
): Promise<void> {
  if (!sub.redrivePolicy) return;
  await ports.deadLetters.put(sub.redrivePolicy.queue, {
    error,
    attempts,
    firstAttemptAt: firstAttemptAt.toISOString(),
    redrive,
  });
  ports.log(`sns ${topicName(sub)} → ${sub.endpoint}: dead-lettered to ${sub.redrivePolicy.queue}`);
}

const topicName = (sub: Subscription) => sub.topicArn.split(":").pop() ?? sub.topicArn;
