import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { ObjectChanged, type ObjectStore } from "../ports.ts";

/** Derived objects never change under their key: clients and CDNs may keep them for a year. */
const IMMUTABLE = "public, max-age=31536000, immutable";

const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** S3's events give ETags bare; conditional headers take them quoted, as S3 sends them. */
const quoted = (etag: string) => `"${etag.replaceAll('"', "")}"`;

/** S3 answers 412 when an If-Match (or x-amz-copy-source-if-match) names another version. */
function changedOn412(key: string) {
  return (error: unknown): never => {
    if (statusOf(error) === 412) throw new ObjectChanged(key);
    throw error;
  };
}

export function bucketObjects(client: S3Client, bucket: string): ObjectStore {
  return {
    bucket,
    async head(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return {
          size: head.ContentLength ?? 0,
          etag: (head.ETag ?? "").replaceAll('"', ""),
          contentType: head.ContentType,
        };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
    async download(key, path, options = {}) {
      const { bytes, ifMatch } = options;
      const request = new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(bytes === undefined ? {} : { Range: `bytes=0-${bytes - 1}` }),
        ...(ifMatch === undefined ? {} : { IfMatch: quoted(ifMatch) }),
      });
      const answer = await client.send(request).catch((error: unknown) => {
        // A range from 0 is unsatisfiable only for an empty object: its start is nothing.
        if (bytes !== undefined && statusOf(error) === 416) return undefined;
        return changedOn412(key)(error);
      });
      if (!answer) return writeFile(path, "");
      if (!answer.Body) throw new Error(`GetObject ${key} returned no body`);
      await pipeline(answer.Body as Readable, createWriteStream(path));
    },
    async put(key, bytes, contentType) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: bytes,
          ContentType: contentType,
          CacheControl: IMMUTABLE,
        }),
      );
    },
    async copy(fromKey, toKey, options = {}) {
      const { ifMatch } = options;
      await client
        .send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: toKey,
            CopySource: `${bucket}/${fromKey.split("/").map(encodeURIComponent).join("/")}`,
            ...(ifMatch === undefined ? {} : { CopySourceIfMatch: quoted(ifMatch) }),
          }),
        )
        .catch(changedOn412(fromKey));
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}
