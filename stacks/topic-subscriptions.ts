import type { Wiring } from "@platform/manifest";

/** One SNS subscription per manifest topic subscription: the function, its filter, its invoke permission. */
export function createTopicSubscriptions(
  wiring: Wiring,
  topics: Record<string, sst.aws.SnsTopic>,
  functions: Record<string, sst.aws.Function>,
) {
  return wiring.topicSubscriptions.map((sub) => {
    const topic = topics[sub.topic];
    const fn = functions[sub.target];
    if (!topic || !fn)
      throw new Error(
        `topic subscription ${sub.id} names a topic or function that was not created`,
      );
    new aws.lambda.Permission(`${sub.id}Invoke`, {
      action: "lambda:InvokeFunction",
      function: fn.name,
      principal: "sns.amazonaws.com",
      sourceArn: topic.arn,
    });
    return new aws.sns.TopicSubscription(sub.id, {
      topic: topic.arn,
      protocol: "lambda",
      endpoint: fn.arn,
      ...(sub.filterPolicy
        ? {
            filterPolicy: JSON.stringify(sub.filterPolicy),
            filterPolicyScope: sub.filterPolicyScope,
          }
        : {}),
    });
  });
}
