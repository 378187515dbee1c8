// A regional probe stack: the probe functions of (part of) one region's shards, their
// schedules, and one least-privilege role they share.
import { ArnFormat, Stack, type StackProps } from 'aws-cdk-lib';
import { Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { Shard } from '../lambda/shards.js';
import { functionName, probeFunction, type ProbeFunctionProps } from './probeFunction.js';
import { shardSchedule } from './schedules.js';
import { secretArn } from './secretArns.js';
import { acknowledge, acknowledgeLogStreams, acknowledgeRuntime, nagLogGroupArn, NO_RETRY_REASON, NO_TRACING_REASON } from './nag.js';

const PUT_METRIC_REASON =
  'cloudwatch:PutMetricData supports no resource-level permissions; the statement is limited to the fleet namespace by the cloudwatch:namespace condition.';

export interface ProbeStackProps extends StackProps {
  region: string;
  namespace: string;
  /** The shards this stack deploys (a region with very many shards spans several stacks). */
  shards: Shard[];
  /** Secret names the region's checks and environments reference. */
  secretNames: string[];
  /** Called once per stack: a Code asset belongs to one stack. */
  code: () => ProbeFunctionProps['code'];
  logRetention: RetentionDays;
  functionPrefix: string;
}

export class ProbeStack extends Stack {
  readonly functions: Record<string, NodejsFunction> = {};
  readonly role: Role;

  constructor(scope: Construct, id: string, props: ProbeStackProps) {
    super(scope, id, { ...props, env: { region: props.region } });
    const statements = [
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: props.shards.map((s) =>
          this.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/lambda/${functionName(props.functionPrefix, s)}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ),
      }),
      // PutMetricData has no resource-level permissions; the namespace condition is the fence.
      new PolicyStatement({
        sid: 'PublishFleetMetrics',
        effect: Effect.ALLOW,
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': props.namespace } },
      }),
    ];
    if (props.secretNames.length > 0) {
      statements.push(
        new PolicyStatement({
          sid: 'ReadReferencedSecrets',
          effect: Effect.ALLOW,
          actions: ['secretsmanager:GetSecretValue'],
          resources: props.secretNames.map((name) => secretArn(this, name)),
        }),
      );
    }
    this.role = new Role(this, 'ProbeRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `probe-fleet probes in ${props.region}`,
      inlinePolicies: { probe: new PolicyDocument({ statements }) },
    });
    acknowledgeLogStreams(this.role, props.shards.map((s) => nagLogGroupArn(props.region, `/aws/lambda/${functionName(props.functionPrefix, s)}`)));
    acknowledge(this.role, {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: PUT_METRIC_REASON,
    });
    acknowledge(this.role, { id: 'Serverless::Serverless-LambdaStarPermissions', reason: PUT_METRIC_REASON });
    const code = props.code();
    for (const shard of props.shards) {
      const fn = probeFunction(this, { shard, role: this.role, code, logRetention: props.logRetention, functionPrefix: props.functionPrefix });
      acknowledgeRuntime(fn);
      acknowledge(
        fn,
        { id: 'Serverless::Serverless-LambdaDLQ', reason: NO_RETRY_REASON },
        { id: 'Serverless::Serverless-LambdaAsyncFailureDestination', reason: NO_RETRY_REASON },
        { id: 'Serverless::Serverless-LambdaTracing', reason: NO_TRACING_REASON },
      );
      const rule = shardSchedule(this, shard, fn);
      acknowledge(rule, { id: 'Serverless::Serverless-EventBusDLQ', reason: NO_RETRY_REASON });
      this.functions[shard.id] = fn;
    }
  }
}
