import { bucketEventsPattern, type WiredRule, type Wiring } from "@platform/manifest";
import { deadLetterQueue } from "./queues.ts";

/** SQS must let EventBridge, for this one rule only, drop undeliverable events in the DLQ. */
function allowRuleToDeadLetter(id: string, queue: sst.aws.Queue, rule: aws.cloudwatch.EventRule) {
  return new aws.sqs.QueuePolicy(`${id}Policy`, {
    queueUrl: queue.url,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: queue.arn,
          Condition: { ArnEquals: { "aws:SourceArn": rule.arn } },
        },
      ],
    }),
  });
}

/** One EventBridge rule per manifest subscription, each with its retry policy and its own DLQ. */
export function createSubscriptions(
  wiring: Wiring,
  bus: sst.aws.Bus,
  functions: Record<string, sst.aws.Function>,
) {
  return wiring.rules.map((rule: WiredRule) => {
    const fn = functions[rule.target];
    if (!fn) throw new Error(`rule ${rule.id} targets ${rule.target}, which was not created`);
    const dlq = deadLetterQueue(rule.deadLetterQueue);
    const eventRule = new aws.cloudwatch.EventRule(`${rule.id}Rule`, {
      eventBusName: bus.name,
      description: `${rule.service}: ${rule.description}`,
      eventPattern: JSON.stringify(rule.pattern),
    });
    const target = new aws.cloudwatch.EventTarget(`${rule.id}Target`, {
      eventBusName: bus.name,
      rule: eventRule.name,
      arn: fn.arn,
      retryPolicy: {
        maximumRetryAttempts: rule.retry.maximumRetryAttempts,
        maximumEventAgeInSeconds: rule.retry.maximumEventAgeSeconds,
      },
      deadLetterConfig: { arn: dlq.arn },
    });
    new aws.lambda.Permission(`${rule.id}Invoke`, {
      action: "lambda:InvokeFunction",
      function: fn.name,
      principal: "events.amazonaws.com",
      sourceArn: eventRule.arn,
    });
    allowRuleToDeadLetter(rule.deadLetterQueue, dlq, eventRule);
    return { rule: eventRule, target, dlq };
  });
}

/** Forwards the bucket's object events from the default bus (where S3 puts them) to the platform bus. */
export function forwardBucketEvents(bus: sst.aws.Bus, bucket: sst.aws.Bucket) {
  const role = new aws.iam.Role("ForwardBucketEventsRole", {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    }),
    inlinePolicies: [
      {
        name: "put-on-platform-bus",
        policy: $jsonStringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "events:PutEvents", Resource: bus.arn }],
        }),
      },
    ],
  });
  const dlq = deadLetterQueue("ForwardBucketEventsDlq");
  const rule = new aws.cloudwatch.EventRule("ForwardBucketEventsRule", {
    eventBusName: "default",
    description: "S3 object events of the platform bucket, forwarded to the platform bus.",
    eventPattern: bucket.name.apply((name) => JSON.stringify(bucketEventsPattern(name))),
  });
  const target = new aws.cloudwatch.EventTarget("ForwardBucketEventsTarget", {
    eventBusName: "default",
    rule: rule.name,
    arn: bus.arn,
    roleArn: role.arn,
    retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86_400 },
    deadLetterConfig: { arn: dlq.arn },
  });
  allowRuleToDeadLetter("ForwardBucketEventsDlq", dlq, rule);
  return { rule, target, dlq, role };
}
