/** A dead-letter queue: 14 days, SQS's maximum, to fix the consumer and redrive. */
export function deadLetterQueue(id: string) {
  return new sst.aws.Queue(id, { transform: { queue: { messageRetentionSeconds: 1_209_600 } } });
}
