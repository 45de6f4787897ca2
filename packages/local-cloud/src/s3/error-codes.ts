import { S3Error } from "./errors.ts";

// The S3 errors the store and the REST API raise, with S3's own codes, messages and statuses.

export const noSuchBucket = (bucket: string) =>
  new S3Error("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: bucket });

export const noSuchKey = (key: string) =>
  new S3Error("NoSuchKey", "The specified key does not exist.", 404, { Key: key });

export const bucketNotEmpty = (bucket: string) =>
  new S3Error("BucketNotEmpty", "The bucket you tried to delete is not empty", 409, {
    BucketName: bucket,
  });

export const bucketAlreadyOwnedByYou = (bucket: string) =>
  new S3Error(
    "BucketAlreadyOwnedByYou",
    "Your previous request to create the named bucket succeeded and you already own it.",
    409,
    { BucketName: bucket },
  );

export const invalidBucketName = (bucket: string) =>
  new S3Error("InvalidBucketName", "The specified bucket is not valid.", 400, {
    BucketName: bucket,
  });

export const keyTooLong = (size: number) =>
  new S3Error("KeyTooLongError", "Your key is too long", 400, { Size: size, MaxSizeAllowed: 1024 });

export const noSuchUpload = (uploadId: string) =>
  new S3Error(
    "NoSuchUpload",
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    404,
    { UploadId: uploadId },
  );

export const invalidArgument = (message: string, name: string, value: string) =>
  new S3Error("InvalidArgument", message, 400, { ArgumentName: name, ArgumentValue: value });

export const malformedXml = () =>
  new S3Error(
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published schema",
    400,
  );

export const preconditionFailed = (condition: string) =>
  new S3Error(
    "PreconditionFailed",
    "At least one of the pre-conditions you specified did not hold",
    412,
    {
      Condition: condition,
    },
  );

export const invalidRange = (requested: string, size: number) =>
  new S3Error("InvalidRange", "The requested range is not satisfiable", 416, {
    RangeRequested: requested,
    ActualObjectSize: size,
  });

export const badDigest = (message: string) => new S3Error("BadDigest", message, 400);

export const notImplemented = (operation: string) =>
  new S3Error(
    "NotImplemented",
    `A header or query you provided implies functionality that is not implemented: ${operation} is not supported by the local S3.`,
    501,
  );

export const methodNotAllowed = (method: string, resourceType: "SERVICE" | "BUCKET" | "OBJECT") =>
  new S3Error(
    "MethodNotAllowed",
    "The specified method is not allowed against this resource.",
    405,
    {
      Method: method,
      ResourceType: resourceType,
    },
  );

export const internalError = () =>
  new S3Error("InternalError", "We encountered an internal error. Please try again.", 500);
