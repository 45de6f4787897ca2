import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

// One client per AWS service for the whole function, created once per execution environment.
// Endpoints come from the environment (AWS_ENDPOINT_URL* on the local platform).

export const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

export const sns = new SNSClient({});
