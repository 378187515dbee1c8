import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { planShards } from '../../lib/lambda/shards.js';
import { MAX_SHARDS_PER_PROBE_STACK } from '../../lib/infra/index.js';
import { shardSizing } from '../../lib/infra/probeFunction.js';
import { generatedFleet } from '../../bench/generatedFleet.js';
import { httpCheck, iamStatements, smallFleet, synth } from './synth.js';

const fleet = smallFleet();
const synthesized = synth(fleet);
const euStack = synthesized.fleet.probeStacks.find((s) => s.region === 'eu-west-1')!;
const usStack = synthesized.fleet.probeStacks.find((s) => s.region === 'us-east-1')!;
const eu = synthesized.template(euStack);
const us = synthesized.template(usStack);
const shards = planShards(fleet);

describe('regional probe stacks', () => {
  it('makes one stack per region, named by region only (no account)', () => {
    expect(synthesized.fleet.probeStacks.map((s) => [s.stackName, s.region])).toEqual([
      ['probe-fleet-shop-probes-eu-west-1', 'eu-west-1'],
      ['probe-fleet-shop-probes-us-east-1', 'us-east-1'],
      ['probe-fleet-shop-probes-ap-southeast-1', 'ap-southeast-1'],
    ]);
    for (const stack of synthesized.fleet.stacks) expect(stack.account).toMatch(/^\$\{Token/);
  });

  it('schedules every shard once with its shard id and the scheduled time as input', () => {
    const euShards = shards.filter((s) => s.region === 'eu-west-1');
    eu.resourceCountIs('AWS::Events::Rule', euShards.length);
    const expressions: Record<string, string> = { '1m': 'rate(1 minute)', '5m': 'rate(5 minutes)', '10m': 'rate(10 minutes)' };
    for (const shard of euShards) {
      eu.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: expressions[shard.schedule],
        Targets: [Match.objectLike({ InputTransformer: scheduledInput(shard.id), RetryPolicy: { MaximumRetryAttempts: 0 } })],
      });
    }
    // The tcp check runs only in eu-west-1: it is in the eu 5m shard and in no us shard.
    us.resourceCountIs('AWS::Events::Rule', shards.filter((s) => s.region === 'us-east-1').length);
    const ids = (region: string) => shards.filter((s) => s.region === region).flatMap((s) => s.targets.map((t) => t.checkId));
    expect(ids('eu-west-1')).toContain('db-port');
    expect(ids('us-east-1')).not.toContain('db-port');
  });

  it('runs each shard in its own function: nodejs22.x on arm64, no retries, no reserved concurrency, sized from the shard', () => {
    for (const shard of shards.filter((s) => s.region === 'eu-west-1')) {
      const sizing = shardSizing(shard);
      eu.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `probe-fleet-shop-${shard.id}`,
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        ReservedConcurrentExecutions: Match.absent(),
        MemorySize: sizing.memoryMb,
        Timeout: sizing.timeoutSeconds,
        LoggingConfig: { LogGroup: Match.anyValue() },
      });
    }
    // Log groups are named by CloudFormation (retained, so a fixed name would collide when re-created).
    eu.resourcePropertiesCountIs('AWS::Logs::LogGroup', { LogGroupName: Match.anyValue() }, 0);
    eu.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, shards.filter((s) => s.region === 'eu-west-1').length);
    // A new account's concurrency limit of 10 leaves nothing to reserve: no function reserves any by default.
    for (const [, template] of synthesized.templates()) {
      for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
        expect((fn as { Properties: Record<string, unknown> }).Properties.ReservedConcurrentExecutions).toBeUndefined();
      }
    }
    // Dropped runs are recorded in the region's fleet-health dead-letter queue, which the function may write to.
    eu.allResourcesProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sqs:eu-west-1:', { Ref: 'AWS::AccountId' }, ':probe-fleet-shop-fleet-health-dead-letters']] } } },
    });
    us.allResourcesProperties('AWS::Lambda::EventInvokeConfig', {
      DestinationConfig: { OnFailure: { Destination: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sqs:us-east-1:', { Ref: 'AWS::AccountId' }, ':probe-fleet-shop-fleet-health-dead-letters']] } } },
    });
    const send = iamStatements(eu).filter((st) => st.Action === 'sqs:SendMessage');
    expect(send).toHaveLength(shards.filter((s) => s.region === 'eu-west-1').length);
    for (const statement of send) expect(JSON.stringify(statement.Resource)).toContain(':sqs:eu-west-1:');
    expect(shardSizing({ periodSeconds: 60, targets: [] })).toEqual({ memoryMb: 256, timeoutSeconds: 60, maxEventAgeSeconds: 60 });
    // 256 MB per started 100 checks (bench:lambda's measured 100-check peak RSS), at most one vCPU.
    expect(shardSizing({ periodSeconds: 60, targets: Array.from({ length: 25 }, () => ({ checkId: 'x', environment: 'p' })) }).memoryMb).toBe(256);
    expect(shardSizing({ periodSeconds: 60, targets: Array.from({ length: 1000 }, () => ({ checkId: 'x', environment: 'p' })) }).memoryMb).toBe(1769);
    expect(shardSizing({ periodSeconds: 3600, targets: Array.from({ length: 200 }, () => ({ checkId: 'x', environment: 'p' })) })).toEqual({
      memoryMb: 512,
      timeoutSeconds: 900,
      maxEventAgeSeconds: 3600,
    });
  });

  it('grants PutMetricData only within the fleet namespace', () => {
    const statements = iamStatements(eu).filter((s) => s.Action === 'cloudwatch:PutMetricData');
    expect(statements).toHaveLength(shards.filter((s) => s.region === 'eu-west-1').length);
    for (const statement of statements) expect(statement).toMatchObject({ Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'ProbeFleet' } } });
  });

  it('gives each shard function its own role, reading exactly the secrets of its own checks and environments', () => {
    const euShards = shards.filter((s) => s.region === 'eu-west-1');
    eu.resourceCountIs('AWS::IAM::Role', euShards.length);
    const secretsOf = (shardId: string): string[] => {
      const role = Object.values(eu.findResources('AWS::IAM::Role', { Properties: { Description: `probe-fleet shard ${shardId}` } }))[0] as {
        Properties: { Policies: { PolicyDocument: { Statement: { Action: string; Resource: unknown }[] } }[] };
      };
      const statement = role.Properties.Policies[0]!.PolicyDocument.Statement.find((st) => st.Action === 'secretsmanager:GetSecretValue');
      return JSON.stringify(statement?.Resource ?? []).match(/secret:[^"]+/g) ?? [];
    };
    // The catalog check's bearer token only where that check runs; the environment header everywhere.
    expect(secretsOf('eu-west-1-10m-0')).toEqual(['secret:catalog/token-??????', 'secret:shop/api-key-??????']);
    expect(secretsOf('eu-west-1-1m-0')).toEqual(['secret:shop/api-key-??????']);
    // Alerting secrets are not the probes' business.
    expect(JSON.stringify(eu.toJSON())).not.toContain('pd/routing-key');
    // Each function runs as its own role.
    const fn = Object.values(eu.findResources('AWS::Lambda::Function', { Properties: { FunctionName: Match.stringLikeRegexp('eu-west-1-1m-0$') } }))[0] as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } };
    expect(fn.Properties.Role['Fn::GetAtt'][0]).toMatch(/^ProbeRoleeuwest11m0/);
  });

  it('has no wildcard action in any statement of any stack', () => {
    let count = 0;
    for (const [, template] of synthesized.templates()) {
      for (const statement of iamStatements(template)) {
        const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
        for (const action of actions) {
          count++;
          expect(action, JSON.stringify(statement)).not.toContain('*');
        }
      }
    }
    expect(count).toBeGreaterThan(5);
  });

  it('splits a region with very many shards over several stacks', () => {
    const big = synth(generatedFleet(MAX_SHARDS_PER_PROBE_STACK + 5, ['eu-west-1']), { maxChecksPerShard: 1 });
    const names = big.fleet.probeStacks.map((s) => s.stackName);
    const fleetName = `bench${MAX_SHARDS_PER_PROBE_STACK + 5}`;
    // 60 shards at half of 55 per stack on average: up to 4 buckets, placed by a hash of the shard id.
    expect(names.length).toBeGreaterThan(1);
    // Bucket 0 keeps the plain name, so crossing the split never renames the existing stack.
    for (const name of names) expect(name).toMatch(new RegExp(`^probe-fleet-${fleetName}-probes-eu-west-1(-[2-4])?$`));
    let functions = 0;
    for (const stack of big.fleet.probeStacks) {
      const resources = Object.keys(big.template(stack).toJSON().Resources as object).length;
      // 8 resources per shard (function, role, log group, rule, permission, invoke config, 2 alarms).
      expect(resources, stack.stackName).toBeLessThanOrEqual(450);
      const count = Object.keys(big.template(stack).findResources('AWS::Lambda::Function')).length;
      expect(count, stack.stackName).toBeLessThanOrEqual(MAX_SHARDS_PER_PROBE_STACK);
      functions += count;
    }
    expect(functions).toBe(MAX_SHARDS_PER_PROBE_STACK + 5);
  });

  it('reserves concurrency only when asked, and refuses a reservation that is not a positive integer', () => {
    const reserved = synth({ ...smallFleet(), regions: ['eu-west-1'] }, { reservedConcurrency: 1 });
    reserved.template(reserved.fleet.probeStacks[0]!).allResourcesProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 1 });
    for (const bad of [0, 1.5, -2]) {
      expect(() => synth({ ...smallFleet(), regions: ['eu-west-1'] }, { reservedConcurrency: bad }), String(bad)).toThrow(/reservedConcurrency: .*expected an integer of at least 1.*received/s);
    }
  });

  it('uses the shard size from maxChecksPerShard', () => {
    const many = synth({ ...smallFleet(), regions: ['eu-west-1'], checks: Array.from({ length: 7 }, (_, i) => httpCheck(`c${i}`, { schedule: '5m' })) }, { maxChecksPerShard: 3 });
    const template = many.template(many.fleet.probeStacks[0]!);
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ InputTransformer: scheduledInput('eu-west-1-5m-2') })] });
  });
});

/** The rule's input: the shard id and the event's `time` (the scheduled time the datums carry). */
function scheduledInput(shardId: string): object {
  return Match.objectLike({
    InputPathsMap: { time: '$.time' },
    InputTemplate: Match.stringLikeRegexp(`^\\{"shard":"${shardId}","time":<time>\\}$`),
  });
}
