import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { invalidArgument, malformedXml, noSuchUpload } from "./error-codes.ts";
import { S3Error } from "./errors.ts";
import { KeyedLock, moveInto, readJson, removeQuietly, writeJsonAtomic } from "./files.ts";
import { type ObjectAttributes, quoteEtag, type StoredObject } from "./object-model.ts";
import type { PutOptions, S3Store } from "./store.ts";

/**
 * Multipart uploads, kept on disk next to the bucket's objects:
 *   uploads/<uploadId>/upload.json           bucket, key and the object's future attributes
 *   uploads/<uploadId>/part-<n>.json         a part's ETag and size (its commit point)
 *   uploads/<uploadId>/part-<n>.<uuid>.data  its bytes
 * Completing concatenates the parts into one object through the store's atomic commit.
 */

export const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PART_SIZE = 5 * 1024 ** 3;
const MAX_OBJECT_SIZE = 5 * 1024 ** 4;
const UPLOAD_ID = /^[A-Za-z0-9_-]{16,128}$/;

export interface Upload {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: string;
  attributes: ObjectAttributes;
}

export interface Part {
  partNumber: number;
  /** Quoted MD5 of the part's bytes. */
  etag: string;
  size: number;
  lastModified: string;
  /** File name of the bytes in the upload's folder. */
  blob: string;
}

export interface PartsPage {
  upload: Upload;
  parts: Part[];
  isTruncated: boolean;
  nextPartNumberMarker: number;
}

const invalidPart = (uploadId: string, partNumber: number, etag: string) =>
  new S3Error(
    "InvalidPart",
    "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    400,
    { UploadId: uploadId, PartNumber: partNumber, ETag: etag },
  );

const invalidPartOrder = (uploadId: string) =>
  new S3Error(
    "InvalidPartOrder",
    "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
    400,
    { UploadId: uploadId },
  );

const entityTooSmall = (part: Part) =>
  new S3Error(
    "EntityTooSmall",
    "Your proposed upload is smaller than the minimum allowed size",
    400,
    {
      ProposedSize: part.size,
      MinSizeAllowed: MIN_PART_SIZE,
      PartNumber: part.partNumber,
      ETag: part.etag.replaceAll('"', ""),
    },
  );

const bare = (etag: string) => etag.trim().replaceAll('"', "");

export class MultipartUploads {
  private readonly locks = new KeyedLock();

  constructor(private readonly store: S3Store) {}

  async create(bucket: string, key: string, attributes: ObjectAttributes): Promise<Upload> {
    this.store.checkKey(bucket, key);
    const uploadId = randomBytes(36).toString("base64url");
    const upload: Upload = { uploadId, bucket, key, initiated: this.store.timestamp(), attributes };
    const dir = join(this.store.uploadsDir(bucket), uploadId);
    await mkdir(dir, { recursive: true });
    await writeJsonAtomic(this.store.tmpDir, join(dir, "upload.json"), upload);
    return upload;
  }

  async uploadPart(
    target: { bucket: string; key: string; uploadId: string },
    partNumber: number,
    body: AsyncIterable<Buffer | string>,
    options: Pick<PutOptions, "observe" | "verify"> = {},
  ): Promise<Part> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
      throw invalidArgument(
        "Part number must be an integer between 1 and 10000, inclusive",
        "partNumber",
        String(partNumber),
      );
    }
    await this.find(target);
    const blob = await this.store.writeTemp(body, {
      maxSize: MAX_PART_SIZE,
      observe: options.observe,
    });
    try {
      await options.verify?.(blob);
      return await this.locks.run(target.uploadId, async () => {
        const dir = await this.find(target);
        const previous = await readJson<Part>(join(dir, `part-${partNumber}.json`));
        const part: Part = {
          partNumber,
          etag: quoteEtag(blob.md5),
          size: blob.size,
          lastModified: this.store.timestamp(),
          blob: `part-${partNumber}.${randomUUID()}.data`,
        };
        await moveInto(blob.path, join(dir, part.blob));
        await writeJsonAtomic(this.store.tmpDir, join(dir, `part-${partNumber}.json`), part);
        if (previous) await removeQuietly(join(dir, previous.blob));
        return part;
      });
    } finally {
      await removeQuietly(blob.path);
    }
  }

  async listParts(
    target: { bucket: string; key: string; uploadId: string },
    page: { maxParts: number; partNumberMarker: number },
  ): Promise<PartsPage> {
    const dir = await this.find(target);
    const upload = (await readJson<Upload>(join(dir, "upload.json"))) as Upload;
    const after = (await this.parts(dir)).filter((p) => p.partNumber > page.partNumberMarker);
    const parts = after.slice(0, page.maxParts);
    return {
      upload,
      parts,
      isTruncated: after.length > parts.length,
      nextPartNumberMarker: parts.at(-1)?.partNumber ?? 0,
    };
  }

  /** Joins the listed parts into the object; the upload is gone afterwards. */
  async complete(
    target: { bucket: string; key: string; uploadId: string },
    requested: { partNumber: number; etag: string }[],
  ): Promise<StoredObject> {
    const { bucket, key, uploadId } = target;
    return this.locks.run(uploadId, async () => {
      const dir = await this.find(target);
      const upload = (await readJson<Upload>(join(dir, "upload.json"))) as Upload;
      if (requested.length === 0) throw malformedXml();
      requested.forEach((r, i) => {
        if (i > 0 && r.partNumber <= (requested[i - 1]?.partNumber ?? 0))
          throw invalidPartOrder(uploadId);
      });
      const stored = new Map((await this.parts(dir)).map((p) => [p.partNumber, p]));
      const parts = requested.map((r) => {
        const part = stored.get(r.partNumber);
        if (!part || bare(part.etag) !== bare(r.etag))
          throw invalidPart(uploadId, r.partNumber, bare(r.etag));
        return part;
      });
      const small = parts.slice(0, -1).find((p) => p.size < MIN_PART_SIZE);
      if (small) throw entityTooSmall(small);

      const blob = await this.store.writeTemp(concatenate(parts.map((p) => join(dir, p.blob))), {
        maxSize: MAX_OBJECT_SIZE,
      });
      const md5s = Buffer.concat(parts.map((p) => Buffer.from(bare(p.etag), "hex")));
      const etag = `"${createHash("md5").update(md5s).digest("hex")}-${parts.length}"`;
      const object = await this.store.commit(bucket, key, blob, {
        etag,
        attributes: upload.attributes,
        partsCount: parts.length,
      });
      await this.remove(dir);
      return object;
    });
  }

  async abort(target: { bucket: string; key: string; uploadId: string }): Promise<void> {
    await this.locks.run(target.uploadId, async () => this.remove(await this.find(target)));
  }

  /** The upload's folder; NoSuchUpload unless it exists for this very bucket and key. */
  private async find(target: { bucket: string; key: string; uploadId: string }): Promise<string> {
    const { bucket, key, uploadId } = target;
    const root = this.store.uploadsDir(bucket);
    if (!UPLOAD_ID.test(uploadId)) throw noSuchUpload(uploadId);
    const dir = join(root, uploadId);
    const upload = await readJson<Upload>(join(dir, "upload.json"));
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw noSuchUpload(uploadId);
    return dir;
  }

  private async parts(dir: string): Promise<Part[]> {
    const files = (await readdir(dir)).filter((f) => /^part-\d+\.json$/.test(f));
    const parts = await Promise.all(files.map((f) => readJson<Part>(join(dir, f))));
    return parts
      .filter((p): p is Part => p !== undefined)
      .sort((a, b) => a.partNumber - b.partNumber);
  }

  private async remove(dir: string): Promise<void> {
    const grave = join(this.store.tmpDir, randomUUID());
    await rename(dir, grave);
    await removeQuietly(grave);
  }
}

async function* concatenate(paths: string[]): AsyncGenerator<Buffer> {
  for (const path of paths) yield* createReadStream(path);
}
