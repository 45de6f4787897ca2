import type { z } from "zod";
import type { Metadata } from "./envelope.ts";

/** A contract's data schemas by version number: `{ 1: schemaV1, 2: schemaV2 }`. */
export type VersionedSchemas = { readonly [version: number]: z.ZodType };

/** An event the platform's own services publish on the "platform" bus. */
export interface PlatformContract<
  Source extends string = string,
  DetailType extends string = string,
  Versions extends VersionedSchemas = VersionedSchemas,
  // A parameter of its own (not computed here) so contracts stay assignable to PlatformContract.
  Latest extends number = HighestKey<Versions>,
> {
  readonly kind: "platform";
  readonly source: Source;
  readonly detailType: DetailType;
  readonly versions: Versions;
  readonly latestVersion: Latest;
  readonly description: string;
}

/** An event AWS itself emits (on the account's default bus), in AWS's own shape. */
export interface AwsContract<
  Source extends string = string,
  DetailType extends string = string,
  Detail extends z.ZodType = z.ZodType,
> {
  readonly kind: "aws";
  readonly source: Source;
  readonly detailType: DetailType;
  readonly detail: Detail;
  readonly description: string;
}

export type AnyPlatformContract = PlatformContract<string, string, VersionedSchemas, number>;
export type AnyAwsContract = AwsContract;
export type AnyContract = AnyPlatformContract | AnyAwsContract;

/** The version numbers a contract accepts. */
export type VersionOf<C extends AnyPlatformContract> = keyof C["versions"] & number;

/** The version a contract publishes unless told otherwise. */
export type LatestVersionOf<C extends AnyPlatformContract> = C["latestVersion"] & VersionOf<C>;

/** The data of one version of a contract (the latest unless `V` is given). */
export type DataOf<
  C extends AnyPlatformContract,
  V extends VersionOf<C> = LatestVersionOf<C>,
> = z.infer<C["versions"][V]>;

/** What publishing one version of a contract accepts as data (before defaults apply). */
export type DataInputOf<
  C extends AnyPlatformContract,
  V extends VersionOf<C> = LatestVersionOf<C>,
> = z.input<C["versions"][V]>;

/** `detail` of a parsed platform event: one member per version (narrow it with `isVersion`). */
export type DetailOf<C extends AnyPlatformContract> = {
  [V in VersionOf<C>]: { metadata: Metadata & { version: V }; data: DataOf<C, V> };
}[VersionOf<C>];

export function defineContract<
  const Source extends string,
  const DetailType extends string,
  const Versions extends VersionedSchemas,
>(definition: {
  source: Source;
  detailType: DetailType;
  versions: Versions;
  description: string;
}): PlatformContract<Source, DetailType, Versions> {
  const numbers = Object.keys(definition.versions).map(Number);
  if (numbers.length === 0 || !numbers.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(`${definition.detailType}: versions must be keyed 1, 2, ... (got ${numbers})`);
  }
  return {
    kind: "platform",
    ...definition,
    latestVersion: Math.max(...numbers) as HighestKey<Versions>,
  };
}

export function defineAwsContract<
  const Source extends string,
  const DetailType extends string,
  Detail extends z.ZodType,
>(definition: {
  source: Source;
  detailType: DetailType;
  detail: Detail;
  description: string;
}): AwsContract<Source, DetailType, Detail> {
  return { kind: "aws", ...definition };
}

/** The versions a contract supports, in ascending order (for error messages). */
export function supportedVersions(contract: AnyPlatformContract): number[] {
  return Object.keys(contract.versions)
    .map(Number)
    .sort((a, b) => a - b);
}

type HighestKey<Versions> = Highest<keyof Versions & number>;

// Counts up from 0, dropping each number it passes; the last one left is the highest.
type Highest<Remaining extends number, Count extends unknown[] = []> = number extends Remaining
  ? number
  : [Exclude<Remaining, Count["length"]>] extends [never]
    ? Remaining
    : Highest<Exclude<Remaining, Count["length"]>, [...Count, unknown]>;
