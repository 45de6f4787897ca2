import type { z } from "zod";
import type { AnyAwsContract, AnyContract, AnyPlatformContract, DetailOf } from "./contract.ts";

/** The EventBridge envelope fields every parsed event keeps, renamed to camelCase. */
export interface EventEnvelopeFields {
  id: string;
  time: string;
  account: string;
  region: string;
  resources: string[];
  /** Set when EventBridge re-delivers the event from an archive replay. */
  replayName?: string;
}

export type PlatformEvent<C extends AnyPlatformContract> = EventEnvelopeFields & {
  source: C["source"];
  detailType: C["detailType"];
  detail: DetailOf<C>;
};

export type AwsEvent<C extends AnyAwsContract> = EventEnvelopeFields & {
  source: C["source"];
  detailType: C["detailType"];
  detail: z.infer<C["detail"]>;
};

/** The parsed event of a contract, or the union for a union of contracts. */
export type EventOf<C extends AnyContract> = C extends AnyPlatformContract
  ? PlatformEvent<C>
  : C extends AnyAwsContract
    ? AwsEvent<C>
    : never;
