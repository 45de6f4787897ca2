import type { AnyPlatformContract } from "../contract.ts";
import { ImagingFileRejected, ImagingProgressUpdated, VariantsCreated } from "./imaging.ts";
import { InvocationCompleted } from "./proxy.ts";
import {
  FileDeleted,
  FileExpired,
  FileReady,
  FileRejected,
  FileRequested,
  FileUploaded,
} from "./upload.ts";

/** Every event the platform's services publish. */
export const platformContracts = [
  FileRequested,
  FileUploaded,
  FileReady,
  FileRejected,
  FileDeleted,
  FileExpired,
  ImagingProgressUpdated,
  VariantsCreated,
  ImagingFileRejected,
  InvocationCompleted,
] as const;

export type KnownPlatformContract = (typeof platformContracts)[number];
export type PlatformDetailType = KnownPlatformContract["detailType"];

const byDetailType = new Map<string, KnownPlatformContract>(
  platformContracts.map((contract) => [contract.detailType, contract]),
);

/** Looks a platform contract up by detail-type (detail-types are unique across the platform). */
export function contractFor<D extends PlatformDetailType>(
  detailType: D,
): Extract<KnownPlatformContract, { detailType: D }>;
export function contractFor(detailType: string): AnyPlatformContract | undefined;
export function contractFor(detailType: string): AnyPlatformContract | undefined {
  return byDetailType.get(detailType);
}
