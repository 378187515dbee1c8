// One probe function per shard, each with its own role (the functions of a region share one
// bundle). Runs of a shard do not pile up: the timeout is at most the schedule period and the
// handler stops starting checks before the period ends, so a run is over before the next one
// is due. Only a run that starts late (a delayed event) can overlap the next one, by at most its
// delay, and an event older than one period is dropped (maxEventAge) and recorded. So no
// concurrency is reserved by default: a new account's limit of 10 leaves none to reserve
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html), and every
// reservation takes from the rest of the account. `reservedConcurrency` brings it back.
import { Duration } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, type IDestination } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type ILogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { Shard } from '../lambda/shards.js';
import { idOf } from './alarmContext.js';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Lambda's ceiling for one invocation. */
export const MAX_LAMBDA_TIMEOUT_SECONDS = 900;

export interface ShardSizing {
  memoryMb: number;
  timeoutSeconds: number;
  /** How long a delayed (throttled) event stays worth running: one period, within Lambda's 60 s – 6 h. */
  maxEventAgeSeconds: number;
}

/**
 * Memory from a measurement, not a per-check formula: `npm run bench:lambda` runs one
 * invocation of the bundled handler over a 100-check HTTP shard and prints its peak resident
 * set size (shard100PeakRssMb: 101 MB on 2026-12-02, with the heap capped at 128 MB). A
 * shard holds at most 25 checks by default, so 256 MB per started 100 checks leaves 2.5x the
 * measured peak of four full shards. Lambda gives CPU in proportion to memory
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html); the probe waits
 * on the network almost all of its run, so a larger share buys little. 1769 MB (one vCPU) is
 * the ceiling. The timeout is the schedule period: the handler stops starting checks before
 * the period ends, so a run never overlaps the next one.
 */
export const PROBE_MEMORY_MB_PER_100_CHECKS = 256;

export function shardSizing(shard: Pick<Shard, 'periodSeconds' | 'targets'>): ShardSizing {
  return {
    memoryMb: Math.min(1769, PROBE_MEMORY_MB_PER_100_CHECKS * Math.max(1, Math.ceil(shard.targets.length / 100))),
    timeoutSeconds: Math.min(MAX_LAMBDA_TIMEOUT_SECONDS, Math.max(30, shard.periodSeconds)),
    maxEventAgeSeconds: Math.min(21600, Math.max(60, shard.periodSeconds)),
  };
}

export interface ProbeFunctionProps {
  shard: Shard;
  role: IRole;
  code: Pick<NodejsFunctionProps, 'entry' | 'code' | 'handler' | 'bundling' | 'projectRoot' | 'depsLockFilePath'>;
  /** The shard's log group (probeLogGroup): its name is CloudFormation's, so it can never collide. */
  logGroup: ILogGroup;
  functionPrefix: string;
  /** Reserved concurrent executions of each probe function; none by default (see above). */
  reservedConcurrency?: number;
  /**
   * Where Lambda records an asynchronous invocation it drops (throttled past its maximum age,
   * or failed): an SQS queue ARN. The role must be allowed sqs:SendMessage on it.
   */
  onFailureQueueArn?: string;
}

/**
 * The on-failure destination by ARN. The role is granted inline (probeStack.ts), so unlike
 * SqsDestination this adds no second policy resource per function.
 */
function queueDestination(queueArn: string): IDestination {
  return { bind: () => ({ destination: queueArn }) };
}

/**
 * The shard's log group, named by CloudFormation. It keeps the default DeletionPolicy Retain
 * (the logs outlive the function) and so must not have a fixed name: a retained group stays in
 * the account under its name, and a fixed-name group re-created later — a shard that goes and
 * comes back, a function that moves stack, `cdk destroy` then deploy — fails with "already
 * exists" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
 * A generated name is new every time it is created. Lambda writes to it through the function's
 * LoggingConfig (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html).
 */
export function probeLogGroup(scope: Construct, shard: Pick<Shard, 'id'>, retention: RetentionDays): LogGroup {
  return new LogGroup(scope, idOf('Logs', shard.id), { retention });
}

export function probeFunction(scope: Construct, props: ProbeFunctionProps): NodejsFunction {
  const { shard, logGroup } = props;
  const sizing = shardSizing(shard);
  return new NodejsFunction(scope, idOf('Probe', shard.id), {
    ...props.code,
    functionName: functionName(props.functionPrefix, shard),
    description: `probe-fleet shard ${shard.id}: ${shard.targets.length} check target(s) every ${shard.schedule}`,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: sizing.memoryMb,
    timeout: Duration.seconds(sizing.timeoutSeconds),
    role: props.role,
    logGroup,
    // A retry would double the synthetic traffic; the next scheduled run is the retry.
    retryAttempts: 0,
    maxEventAge: Duration.seconds(sizing.maxEventAgeSeconds),
    // A destination records a dropped run, with its event and the reason; it does not re-run it:
    // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
    ...(props.onFailureQueueArn ? { onFailure: queueDestination(props.onFailureQueueArn) } : {}),
    ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
  });
}

/** Deterministic (the role's log permissions name it before it exists), at most 64 characters. */
export function functionName(prefix: string, shard: Pick<Shard, 'id'>): string {
  const name = `${prefix}-${shard.id}`;
  if (name.length <= 64) return name;
  // Keep the shard id (it is what tells functions apart) and shorten the prefix.
  return `${prefix.slice(0, Math.max(1, 63 - shard.id.length))}-${shard.id}`.slice(0, 64);
}
