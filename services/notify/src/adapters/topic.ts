import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { NotificationTopic } from "../ports.ts";

/** The Notifications topic: the notice as the message, filterable attributes beside it. */
export function notificationTopic(client: SNSClient, topicArn: string): NotificationTopic {
  return {
    async publish(message, attributes) {
      const { MessageId } = await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: message,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([name, value]) => [
              name,
              { DataType: "String", StringValue: value },
            ]),
          ),
        }),
      );
      return MessageId ?? "";
    },
  };
}
