// One probe function per shard. Reserved concurrency 1 is what keeps runs of a shard from
// overlapping; shared by several shards it would make them block each other, so each
// shard gets its own function and role (the functions of a region share one bundle).
import { Duration } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
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
 * Memory grows with the checks a run holds at once (response bodies up to 1 MiB are read
 * into memory); 1769 MB is one full vCPU on Lambda, the useful ceiling for I/O-bound work.
 * The timeout is the schedule period: the handler stops starting checks before the period
 * ends, so a run never overlaps the next one.
 */
export function shardSizing(shard: Pick<Shard, 'periodSeconds' | 'targets'>): ShardSizing {
  const memory = 256 + 16 * shard.targets.length;
  return {
    memoryMb: Math.min(1769, Math.ceil(memory / 64) * 64),
    timeoutSeconds: Math.min(MAX_LAMBDA_TIMEOUT_SECONDS, Math.max(30, shard.periodSeconds)),
    maxEventAgeSeconds: Math.min(21600, Math.max(60, shard.periodSeconds)),
  };
}

export interface ProbeFunctionProps {
  shard: Shard;
  role: IRole;
  code: Pick<NodejsFunctionProps, 'entry' | 'code' | 'handler' | 'bundling' | 'projectRoot' | 'depsLockFilePath'>;
  logRetention: RetentionDays;
  functionPrefix: string;
}

export function probeFunction(scope: Construct, props: ProbeFunctionProps): NodejsFunction {
  const { shard } = props;
  const sizing = shardSizing(shard);
  const logGroup = new LogGroup(scope, idOf('Logs', shard.id), {
    logGroupName: `/aws/lambda/${functionName(props.functionPrefix, shard)}`,
    retention: props.logRetention,
  });
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
    reservedConcurrentExecutions: 1,
  });
}

/** Deterministic (the role's log permissions name it before it exists), at most 64 characters. */
export function functionName(prefix: string, shard: Pick<Shard, 'id'>): string {
  const name = `${prefix}-${shard.id}`;
  if (name.length <= 64) return name;
  // Keep the shard id (it is what tells functions apart) and shorten the prefix.
  return `${prefix.slice(0, Math.max(1, 63 - shard.id.length))}-${shard.id}`.slice(0, 64);
}
