// A regional probe stack: the probe functions of (part of) one region's shards, their
// schedules, and a least-privilege role for each.
import { Stack, type StackProps } from 'aws-cdk-lib';
import { Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ILogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { Shard } from '../lambda/shards.js';
import { functionName, probeFunction, probeLogGroup, type ProbeFunctionProps } from './probeFunction.js';
import { shardSchedule } from './schedules.js';
import { secretArn } from './secretArns.js';
import { acknowledge, acknowledgeRuntime, NO_RULE_DLQ_REASON, NO_TRACING_REASON, ON_FAILURE_DESTINATION_REASON } from './nag.js';

const PUT_METRIC_REASON =
  'cloudwatch:PutMetricData supports no resource-level permissions; the statement is limited to the fleet namespace by the cloudwatch:namespace condition.';

export interface ProbeStackProps extends StackProps {
  region: string;
  namespace: string;
  /** The shards this stack deploys (a region with very many shards spans several stacks). */
  shards: Shard[];
  /** Secret names one shard's checks, their environments and the defaults reference. */
  secretNames: (shard: Shard) => string[];
  /** Called once per stack: a Code asset belongs to one stack. */
  code: () => ProbeFunctionProps['code'];
  logRetention: RetentionDays;
  functionPrefix: string;
  /** Reserved concurrency of each function (none by default: probeFunction.ts). */
  reservedConcurrency?: number;
  /** The region's fleet-health dead-letter queue: Lambda's on-failure destination for dropped runs. */
  deadLettersArn: string;
  /** Builds the shard's fleet-health alarms beside its function (fleetHealthAlarms.ts). */
  shardAlarms: (scope: Construct, shard: Shard, functionName: string, ruleName: string) => void;
}

export class ProbeStack extends Stack {
  readonly functions: Record<string, NodejsFunction> = {};
  /** One role per shard function, keyed by shard id. */
  readonly roles: Record<string, Role> = {};

  constructor(scope: Construct, id: string, props: ProbeStackProps) {
    super(scope, id, { ...props, env: { region: props.region } });
    const code = props.code();
    for (const shard of props.shards) {
      const logGroup = probeLogGroup(this, shard, props.logRetention);
      const role = this.shardRole(shard, props, logGroup);
      const fn = probeFunction(this, {
        shard,
        role,
        code,
        logGroup,
        functionPrefix: props.functionPrefix,
        onFailureQueueArn: props.deadLettersArn,
        ...(props.reservedConcurrency !== undefined ? { reservedConcurrency: props.reservedConcurrency } : {}),
      });
      acknowledgeRuntime(fn);
      acknowledge(fn, { id: 'Serverless::Serverless-LambdaDLQ', reason: ON_FAILURE_DESTINATION_REASON }, { id: 'Serverless::Serverless-LambdaTracing', reason: NO_TRACING_REASON });
      const name = functionName(props.functionPrefix, shard);
      const rule = shardSchedule(this, shard, fn, name);
      acknowledge(rule, { id: 'Serverless::Serverless-EventBusDLQ', reason: NO_RULE_DLQ_REASON });
      props.shardAlarms(this, shard, name, name);
      this.functions[shard.id] = fn;
      this.roles[shard.id] = role;
    }
  }

  /**
   * A role per function rather than per region: a shard reads only the secrets its own
   * checks reference, so a compromised or buggy function cannot read another team's
   * credentials. Its policy is inline, so the role is one resource.
   */
  private shardRole(shard: Shard, props: ProbeStackProps, logGroup: ILogGroup): Role {
    const statements = [
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        // The group's Arn attribute ends in `:*`: its streams, and only its own.
        resources: [logGroup.logGroupArn],
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
    // Lambda's on-failure destination writes with the function's role.
    statements.push(
      new PolicyStatement({
        sid: 'RecordDroppedRuns',
        effect: Effect.ALLOW,
        actions: ['sqs:SendMessage'],
        resources: [props.deadLettersArn],
      }),
    );
    const secretNames = props.secretNames(shard);
    if (secretNames.length > 0) {
      statements.push(
        new PolicyStatement({
          sid: 'ReadReferencedSecrets',
          effect: Effect.ALLOW,
          actions: ['secretsmanager:GetSecretValue'],
          resources: secretNames.map((name) => secretArn(this, name)),
        }),
      );
    }
    const role = new Role(this, `ProbeRole-${shard.id}`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `probe-fleet shard ${shard.id}`,
      inlinePolicies: { probe: new PolicyDocument({ statements }) },
    });
    acknowledge(role, { id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]', reason: PUT_METRIC_REASON });
    acknowledge(role, { id: 'Serverless::Serverless-LambdaStarPermissions', reason: PUT_METRIC_REASON });
    return role;
  }
}
