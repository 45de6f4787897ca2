import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  NotFound,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { Storage } from "../ports.ts";

/** `inline` with the client's name, ASCII-safe, so a download keeps it whatever characters it has. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** The uploads bucket: presigned requests for clients, and the few calls the service makes itself. */
export function bucketStorage(client: S3Client, bucket: string): Storage {
  return {
    bucket,

    async presignPost({ key, contentType, size, expiresIn }) {
      // The policy pins the key, the exact type and the exact size.
      return createPresignedPost(client, {
        Bucket: bucket,
        Key: key,
        Fields: { "Content-Type": contentType },
        Conditions: [
          ["eq", "$Content-Type", contentType],
          ["content-length-range", size, size],
        ],
        Expires: expiresIn,
      });
    },

    async presignPut({ key, contentType, size, sha256Base64, expiresIn }) {
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentType: contentType,
        ContentLength: size,
        ...(sha256Base64 ? { ChecksumSHA256: sha256Base64 } : {}),
      });
      const checksumHeader = "x-amz-checksum-sha256";
      const url = await getSignedUrl(client, command, {
        expiresIn,
        // Signed as headers, so S3 refuses a request whose type, length or checksum differ.
        signableHeaders: new Set(["content-type", "content-length"]),
        ...(sha256Base64 ? { unhoistableHeaders: new Set([checksumHeader]) } : {}),
      });
      const headers: Record<string, string> = { "content-type": contentType };
      if (sha256Base64) headers[checksumHeader] = sha256Base64;
      return { url, headers };
    },

    async presignGet(key, expiresIn, filename) {
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(filename ? { ResponseContentDisposition: contentDisposition(filename) } : {}),
      });
      return getSignedUrl(client, command, { expiresIn });
    },

    async head(key) {
      try {
        const head = await client.send(
          new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }),
        );
        return {
          size: head.ContentLength ?? 0,
          etag: (head.ETag ?? "").replaceAll('"', ""),
          contentType: head.ContentType,
          checksumSha256: head.ChecksumSHA256,
        };
      } catch (error) {
        if (error instanceof NotFound || (error as { name?: string }).name === "NotFound")
          return undefined;
        throw error;
      }
    },

    async sha256(key) {
      const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const hash = createHash("sha256");
      for await (const chunk of Body as Readable) hash.update(chunk as Buffer);
      return hash.digest("hex");
    },

    async put(key, body, contentType) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
    },

    async deleteAll(keys) {
      // DeleteObjects takes at most 1,000 keys; a missing key counts as deleted.
      for (let i = 0; i < keys.length; i += 1000) {
        const { Errors } = await client.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
          }),
        );
        if (Errors && Errors.length > 0)
          throw new Error(
            `could not delete ${Errors.map((e) => `${e.Key}: ${e.Code}`).join(", ")}`,
          );
      }
    },

    async createMultipart(key, contentType) {
      const { UploadId } = await client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }),
      );
      if (!UploadId) throw new Error("CreateMultipartUpload returned no UploadId");
      return UploadId;
    },

    presignPart(key, uploadId, partNumber, expiresIn, size) {
      const command = new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        ...(size !== undefined ? { ContentLength: size } : {}),
      });
      // A signed length makes S3 refuse a part of any other length.
      return getSignedUrl(client, command, {
        expiresIn,
        ...(size !== undefined ? { signableHeaders: new Set(["content-length"]) } : {}),
      });
    },

    async listParts(key, uploadId) {
      const parts: { PartNumber: number; ETag: string; Size: number }[] = [];
      let marker: string | undefined;
      do {
        const page = await client.send(
          new ListPartsCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumberMarker: marker,
          }),
        );
        for (const part of page.Parts ?? [])
          parts.push({
            PartNumber: part.PartNumber ?? 0,
            ETag: part.ETag ?? "",
            Size: part.Size ?? 0,
          });
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
      return parts;
    },

    async completeMultipart(key, uploadId, parts) {
      const { Location } = await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      return Location ?? `s3://${bucket}/${key}`;
    },

    async abortMultipart(key, uploadId) {
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
      );
    },
  };
}
