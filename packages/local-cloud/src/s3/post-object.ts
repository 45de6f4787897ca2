import type { Readable } from "node:stream";
import busboy from "busboy";
import { header, type S3Call, sendEmpty, sendXml } from "./call.ts";
import { emitCreated, type S3Deps } from "./deps.ts";
import { invalidArgument } from "./error-codes.ts";
import { S3Error } from "./errors.ts";
import { objectUrl } from "./multipart-api.ts";
import type { ObjectAttributes, StoredObject } from "./object-model.ts";
import type { PostPolicyGrant } from "./post-policy.ts";
import { el } from "./xml.ts";

/**
 * Browser uploads (POST Object): a multipart/form-data body whose fields come first and whose
 * `file` comes last. The policy is verified when the file starts, so nothing is stored for a
 * refused form; the file streams to the store and its length is checked against the policy.
 */

const MAX_FIELDS_SIZE = 20 * 1024;

export async function postObject(deps: S3Deps, call: S3Call): Promise<void> {
  const { req, bucket } = call;
  if (!/^multipart\/form-data/i.test(header(req, "content-type") ?? "")) {
    throw new S3Error(
      "PreconditionFailed",
      "At least one of the pre-conditions you specified did not hold",
      412,
      {
        Condition: "Bucket POST must be of the enclosure-type multipart/form-data",
      },
    );
  }
  deps.store.getBucket(bucket);
  const { grant, object } = await receive(deps, call);
  emitCreated(deps, call, bucket, object, "POST Object");
  const location = objectUrl({ ...call, key: grant.key });
  const headers = { etag: object.etag, location };
  const redirect = redirectUrl(grant, bucket, object);
  if (redirect) return sendEmpty(call, 303, { ...headers, location: redirect });
  if (grant.successActionStatus !== 201) return sendEmpty(call, grant.successActionStatus, headers);
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse>${el("Location", location)}${el("Bucket", bucket)}${el("Key", grant.key)}${el("ETag", object.etag)}</PostResponse>`;
  sendXml(call, 201, body, headers);
}

/** Parses the form, verifies the policy at the file, and stores the file under the granted key. */
function receive(
  deps: S3Deps,
  call: S3Call,
): Promise<{ grant: PostPolicyGrant; object: StoredObject }> {
  return new Promise((resolve, reject) => {
    const form = busboy({ headers: call.req.headers, limits: { fieldSize: MAX_FIELDS_SIZE } });
    const fields: Record<string, string> = {};
    let fieldsSize = 0;
    let seenFile = false;
    const fail = (error: unknown) => {
      call.req.unpipe(form);
      reject(error);
    };
    form.on("field", (name, value) => {
      if (seenFile) return; // S3 ignores fields after the file
      fieldsSize += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (fieldsSize > MAX_FIELDS_SIZE) {
        return fail(
          new S3Error(
            "MaxPostPreDataLengthExceeded",
            "Your POST request fields preceding the upload file was too large.",
            400,
          ),
        );
      }
      fields[name] = value;
    });
    form.on("file", (name, stream, info) => {
      if (seenFile || name.toLowerCase() !== "file") return stream.resume();
      seenFile = true;
      store(deps, call, fields, info.filename ?? "", stream).then(resolve, (error: unknown) => {
        stream.resume();
        fail(error);
      });
    });
    form.on("close", () => {
      if (!seenFile) {
        fail(invalidArgument("POST requires exactly one file upload per request.", "file", "0"));
      }
    });
    form.on("error", fail);
    call.req.pipe(form);
  });
}

async function store(
  deps: S3Deps,
  call: S3Call,
  fields: Record<string, string>,
  filename: string,
  file: Readable,
): Promise<{ grant: PostPolicyGrant; object: StoredObject }> {
  const grant = deps.verifyPostPolicy({ fields, filename }, call.bucket, deps.secrets, call.now);
  const object = await deps.store.putObject(call.bucket, grant.key, file, attributesOf(grant), {
    // Over the policy's maximum the upload stops at once; under its minimum only the end can tell.
    observe: (_chunk, total) => {
      try {
        grant.checkLength(total);
      } catch (error) {
        if (error instanceof S3Error && error.code === "EntityTooLarge") throw error;
      }
    },
    verify: (blob) => grant.checkLength(blob.size),
  });
  return { grant, object };
}

function attributesOf(grant: PostPolicyGrant): ObjectAttributes {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(grant.metadata))
    metadata[name.replace(/^x-amz-meta-/, "")] = value;
  const optional = {
    cacheControl: grant.fields["cache-control"],
    contentDisposition: grant.fields["content-disposition"],
    contentEncoding: grant.fields["content-encoding"],
    expires: grant.fields.expires,
  };
  return {
    contentType: grant.contentType ?? "binary/octet-stream",
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    metadata,
  };
}

/** success_action_redirect, with the bucket, key and ETag S3 appends; undefined if not a URL. */
function redirectUrl(
  grant: PostPolicyGrant,
  bucket: string,
  object: StoredObject,
): string | undefined {
  if (!grant.successActionRedirect) return undefined;
  try {
    const url = new URL(grant.successActionRedirect);
    url.searchParams.set("bucket", bucket);
    url.searchParams.set("key", grant.key);
    url.searchParams.set("etag", object.etag);
    return url.toString();
  } catch {
    return undefined;
  }
}
