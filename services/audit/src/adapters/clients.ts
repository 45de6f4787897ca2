import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

// One client per AWS service for the whole function, created once per execution environment.
// Endpoints come from the environment (AWS_ENDPOINT_URL* on the local platform).

const customEndpoint = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);

export const s3 = new S3Client({
  // A custom endpoint (the local platform) has no per-bucket host names.
  forcePathStyle: customEndpoint,
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});

export const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
