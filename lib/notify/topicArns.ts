// The on-call topics' names and ARNs without the CDK: the CDK app names the topics
// deterministically (lib/infra/topics.ts uses topicName), so the CLI can address the deployed
// topics from the fleet definition alone.

/** `<stack prefix>-<route>`, at most 256 characters (SNS's limit on topic names). */
export function topicName(prefix: string, route: string): string {
  return `${prefix}-${route}`.slice(0, 256);
}

/** The AWS partition a region belongs to. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function topicArn(region: string, account: string, prefix: string, route: string): string {
  return `arn:${partitionOf(region)}:sns:${region}:${account}:${topicName(prefix, route)}`;
}
