// cdk-nag (v3: CDK's own policy validation) with the AwsSolutions and Serverless packs.
// Every finding we accept is acknowledged where the resource is made, on the narrowest
// construct, with its reason; anything else fails synthesis.
import { Validations, type App, type Stage } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export function applyNagPacks(app: App | Stage): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}

export interface Acknowledgement {
  id: string;
  reason: string;
}

export function acknowledge(scope: IConstruct, ...rules: Acknowledgement[]): void {
  Validations.of(scope).acknowledge(...rules);
}

const RUNTIME_REASON =
  'nodejs22.x is pinned on purpose: the bundle is built for node22 (lib/lambda/bundleOptions.ts) and relies on the AWS SDK v3 that runtime provides; moving runtimes is a deliberate change made together with the bundle target.';

/** Findings every probe-fleet function shares. */
export function acknowledgeRuntime(fn: IConstruct): void {
  acknowledge(
    fn,
    { id: 'AwsSolutions::AwsSolutions-L1', reason: RUNTIME_REASON },
    { id: 'Serverless::Serverless-LambdaLatestVersion', reason: RUNTIME_REASON },
  );
}

/** Log streams are created by Lambda with generated names: the wildcard is on streams of one named log group. */
export function acknowledgeLogStreams(role: IConstruct, logGroupArns: readonly string[]): void {
  acknowledge(
    role,
    ...logGroupArns.map((arn) => ({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${arn}]`,
      reason: 'Lambda names log streams itself; the wildcard covers the streams of this function\'s own log group only.',
    })),
  );
}

/** The finding id cdk-nag prints for a log group ARN made by Stack.formatArn in `region`. */
export function nagLogGroupArn(region: string, logGroupName: string): string {
  return `arn:<AWS::Partition>:logs:${region}:<AWS::AccountId>:log-group:${logGroupName}:*`;
}

/** A dead-letter queue has no dead-letter queue of its own. */
export function acknowledgeDeadLetterQueue(queue: IConstruct, role: string): void {
  const reason = `This queue is itself a dead-letter queue (${role}); its depth is alarmed.`;
  acknowledge(queue, { id: 'AwsSolutions::AwsSolutions-SQS3', reason }, { id: 'Serverless::Serverless-SQSRedrivePolicy', reason });
}

/**
 * Serverless-LambdaDLQ asks for the older DeadLetterConfig; the probe functions have an
 * on-failure destination instead (an SQS queue with its own alarm), which receives the same
 * dropped asynchronous events with more context (request, response, condition):
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
export const ON_FAILURE_DESTINATION_REASON =
  'Dropped asynchronous invocations go to an SQS on-failure destination (Lambda event invoke config), which records the same events as a DLQ with request and response context; its depth is alarmed to the fleet operator. A DLQ as well would record each drop twice.';

/**
 * An EventBridge target DLQ would hold events EventBridge could not deliver to the function:
 * here always the constant `{ "shard": "<id>" }`. The failure itself is counted in AWS/Events
 * FailedInvocations per rule (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html),
 * which the shard's failure alarm watches; the next scheduled event is the retry.
 */
export const NO_RULE_DLQ_REASON =
  'A failed delivery from the schedule to the probe function is counted in AWS/Events FailedInvocations for this rule and alarmed per shard to the fleet operator; the undelivered event is the constant shard id, so a DLQ would add no information, and the next scheduled event runs the shard again.';

export const NO_TRACING_REASON =
  'X-Ray is off: every request and every check result is already a structured JSON log line with a run id, and tracing would add a wildcard xray:Put* grant and a per-run cost.';
