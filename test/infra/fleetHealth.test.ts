// Fleet-health alarms as synthesized: each alarm's metric (or math), period, threshold,
// evaluation periods, treatMissingData and action target; the operator topics; the operator
// route's validation.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { validateFleet } from '../../lib/config/validate.js';
import { activeHours, hoursPredicate, silencePlan } from '../../lib/infra/fleetHealthPlan.js';
import type { Fleet } from '../../lib/model/fleet.js';
import { httpCheck, smallFleet, synth } from './synth.js';

const fleet = smallFleet({
  alerting: {
    ...smallFleet().alerting,
    operator: { owner: 'platform-sre', emails: ['probes@example.com'], slackChannels: [{ workspaceId: 'T0001', channelId: 'C0OPS', name: 'probes' }] },
  },
});
const synthesized = synth(fleet);
const stackNamed = (name: string): Template => {
  const stack = synthesized.fleet.stacks.find((s) => s.stackName === name);
  if (!stack) throw new Error(`expected a stack named ${name}, received ${synthesized.fleet.stacks.map((s) => s.stackName).join(', ')}`);
  return synthesized.template(stack);
};
const healthEu = stackNamed('probe-fleet-shop-health-eu-west-1');
const healthUs = stackNamed('probe-fleet-shop-health-us-east-1');
const probesUs = stackNamed('probe-fleet-shop-probes-us-east-1');
const home = stackNamed('probe-fleet-shop-home');

type Props = Record<string, unknown>;
function alarm(template: Template, name: string): Props {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } })) as { Properties: Props }[];
  if (found.length !== 1) throw new Error(`expected one alarm named ${name}, received ${found.length}`);
  return found[0]!.Properties;
}

/** `arn:<partition>:sns:<region>:<account>:<name>` as CloudFormation receives a deterministic ARN in another stack. */
const topicArn = (region: string, name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sns:${region}:`, { Ref: 'AWS::AccountId' }, `:${name}`]] });

describe('operator topics', () => {
  it('puts an encrypted operator topic in every probe region, allowing only the fleet alarms of that region to publish', () => {
    for (const [template, region] of [
      [healthEu, 'eu-west-1'],
      [healthUs, 'us-east-1'],
    ] as const) {
      template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'probe-fleet-shop-operator', KmsMasterKeyId: Match.anyValue() });
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowCloudWatchAlarmsToPublish', Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'AllowFleetAlarmsToPublish',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`:cloudwatch:${region}:`])] }) } }),
            }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'probes@example.com', RedrivePolicy: Match.anyValue() });
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'probe-fleet-shop-fleet-health-dead-letters', SqsManagedSseEnabled: true });
    }
    // The service routes' subscribers are not the operator's: the chat address is on the chat topic only.
    expect(JSON.stringify(healthEu.toJSON())).not.toContain('sre@example.com');
  });

  it('gives each operator Slack channel one Chatbot configuration over every region\'s operator topic', () => {
    healthEu.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackChannelId: 'C0OPS',
      SnsTopicArns: ['eu-west-1', 'us-east-1', 'ap-southeast-1'].map((region) => topicArn(region, 'probe-fleet-shop-operator')),
    });
  });

  it('falls back to the chat route\'s emails and Slack channels when the fleet names no operator', () => {
    const plain = synth(smallFleet({ regions: ['eu-west-1'] }));
    const health = plain.template(plain.fleet.healthStacks['eu-west-1']!);
    health.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'sre@example.com' });
    health.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', { SlackChannelId: 'C0001' });
  });
});

describe('per-shard alarms, in the probe region', () => {
  const operatorUs = topicArn('us-east-1', 'probe-fleet-shop-operator');

  it('silence: Invocations of the shard function; INSUFFICIENT_DATA (a silent range) notifies the operator, missing data stays missing', () => {
    // Periods: three of them outlast the shard's gap plus 2 minutes of schedule jitter, and at least 2 minutes.
    for (const [shard, period] of [
      ['us-east-1-1m-0', 120],
      ['us-east-1-5m-0', 180],
      ['us-east-1-10m-0', 240],
    ] as const) {
      const props = alarm(probesUs, `probe-fleet/shop/heartbeat/${shard}.silent`);
      expect(props).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Dimensions: [{ Name: 'FunctionName', Value: `probe-fleet-shop-${shard}` }],
        Statistic: 'Sum',
        Period: period,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: 'missing',
        InsufficientDataActions: [operatorUs],
        AlarmActions: [operatorUs],
      });
      expect(props.OKActions).toBeUndefined();
    }
  });

  it('failures: Lambda Errors + Throttles + EventBridge FailedInvocations of the shard, 5 min, ≥ 1, missing data is no failure', () => {
    const props = alarm(probesUs, 'probe-fleet/shop/heartbeat/us-east-1-5m-0.failures');
    expect(props).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [operatorUs],
    });
    const metrics = props.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] }; Period: number; Stat: string } }[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('errors + throttles + failed');
    const stat = (id: string) => metrics.find((m) => m.Id === id)?.MetricStat;
    expect(stat('errors')).toEqual({ Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: 'probe-fleet-shop-us-east-1-5m-0' }] }, Period: 300, Stat: 'Sum' });
    expect(stat('throttles')).toEqual({ Metric: { Namespace: 'AWS/Lambda', MetricName: 'Throttles', Dimensions: [{ Name: 'FunctionName', Value: 'probe-fleet-shop-us-east-1-5m-0' }] }, Period: 300, Stat: 'Sum' });
    expect(stat('failed')).toEqual({ Metric: { Namespace: 'AWS/Events', MetricName: 'FailedInvocations', Dimensions: [{ Name: 'RuleName', Value: 'probe-fleet-shop-us-east-1-5m-0' }] }, Period: 300, Stat: 'Sum' });
    // The rule carries the name the alarm's dimension names.
    probesUs.hasResourceProperties('AWS::Events::Rule', { Name: 'probe-fleet-shop-us-east-1-5m-0' });
  });

  it('a business-hours shard is silent only within its hours: outside them every period reads 1', () => {
    const hours = synth(smallFleet({ regions: ['eu-west-1'], checks: [httpCheck('office', { schedule: 'cron(0/5 9-16 ? * MON-FRI *)' })] }));
    const probes = hours.template(hours.fleet.probeStacks[0]!);
    const shard = hours.fleet.shards[0]!;
    const props = alarm(probes, `probe-fleet/shop/heartbeat/${shard.id}.silent`);
    const metrics = props.Metrics as { Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: { Metric: { MetricName: string }; Period: number } }[];
    const returned = metrics.find((m) => m.ReturnData !== false)!;
    expect(returned.Expression).toBe('IF(((DAY(base) <= 5 AND HOUR(base) >= 9 AND HOUR(base) <= 16)) == 0, 1, invocations)');
    expect(metrics.find((m) => m.Id === 'base')?.Expression).toBe('FILL(invocations, 0)');
    expect(metrics.find((m) => m.Id === 'invocations')?.MetricStat).toMatchObject({ Metric: { MetricName: 'Invocations' }, Period: 180 });
    expect(props).toMatchObject({ TreatMissingData: 'missing', EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'LessThanThreshold' });
  });
});

describe('region alarms', () => {
  const operatorEu = { Ref: Match.stringLikeRegexp('^OperatorTopic') };

  it('InvocationErrors (with and without the Fleet dimension), PublishFailures and the dead-letter queue, in each probe region', () => {
    const errors = alarm(healthUs, 'probe-fleet/shop/heartbeat/us-east-1.invocation-errors');
    expect(errors).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    const metrics = errors.Metrics as { Id: string; Expression?: string; MetricStat?: unknown }[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('fleet + unnamed');
    expect(metrics.find((m) => m.Id === 'fleet')?.MetricStat).toEqual({ Metric: { Namespace: 'ProbeFleet', MetricName: 'InvocationErrors', Dimensions: [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Region', Value: 'us-east-1' }] }, Period: 300, Stat: 'Sum' });
    expect(metrics.find((m) => m.Id === 'unnamed')?.MetricStat).toEqual({ Metric: { Namespace: 'ProbeFleet', MetricName: 'InvocationErrors', Dimensions: [{ Name: 'Region', Value: 'us-east-1' }] }, Period: 300, Stat: 'Sum' });
    healthUs.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'probe-fleet/shop/heartbeat/us-east-1.publish-failures',
      Namespace: 'ProbeFleet',
      MetricName: 'PublishFailures',
      Dimensions: [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Region', Value: 'us-east-1' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [operatorEu],
    });
    healthUs.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'probe-fleet/shop/heartbeat/us-east-1.dead-letters',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: 'probe-fleet-shop-fleet-health-dead-letters' }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [operatorEu],
    });
  });

  it('SecretLookupFailures per probe region in the home region, to the home operator topic', () => {
    for (const region of ['eu-west-1', 'us-east-1', 'ap-southeast-1']) {
      healthEu.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `probe-fleet/shop/heartbeat/${region}.secret-lookups`,
        Namespace: 'ProbeFleet',
        MetricName: 'SecretLookupFailures',
        Dimensions: [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Region', Value: region }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [operatorEu],
      });
    }
  });

  it('heartbeats and the alerting pipeline\'s dead letters tell the operator, never a service route', () => {
    const operatorHome = topicArn('eu-west-1', 'probe-fleet-shop-operator');
    const heartbeat = alarm(home, 'probe-fleet/shop/heartbeat/us-east-1');
    expect(heartbeat).toMatchObject({ MetricName: 'ChecksRun', TreatMissingData: 'missing', AlarmActions: [operatorHome], InsufficientDataActions: [operatorHome] });
    expect(heartbeat.OKActions).toBeUndefined();
    for (const name of ['subscription-dead-letters', 'notify-dead-letters']) {
      const props = alarm(home, `probe-fleet/shop/heartbeat/${name}`);
      expect(props, name).toMatchObject({ AlarmActions: [operatorHome] });
      // No OK action: it would also fire when the new alarm first reads its empty queue.
      expect(props.OKActions, name).toBeUndefined();
    }
  });

  it('no fleet-health alarm anywhere targets the pager or chat topic', () => {
    let count = 0;
    for (const [, template] of synthesized.templates()) {
      for (const resource of Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: Props }[]) {
        if (!String(resource.Properties.AlarmName).startsWith('probe-fleet/shop/heartbeat/')) continue;
        count++;
        const actions = JSON.stringify([resource.Properties.AlarmActions, resource.Properties.OKActions, resource.Properties.InsufficientDataActions]);
        expect(actions, String(resource.Properties.AlarmName)).not.toMatch(/-(pager|chat)"/);
        expect(actions, String(resource.Properties.AlarmName)).toMatch(/operator|OperatorTopic/);
      }
    }
    // 9 shards × 2, 3 regions × 3, 3 secret lookups, 3 heartbeats, 2 dead-letter alarms in home.
    expect(count).toBe(18 + 9 + 3 + 3 + 2);
  });
});

describe('silence plans', () => {
  it('sizes the period so that three periods always hold a run, and falls back to the longest gap', () => {
    expect(silencePlan({ schedule: '1m', periodSeconds: 60 })).toMatchObject({ kind: 'steady', periodSeconds: 120 });
    expect(silencePlan({ schedule: '5m', periodSeconds: 300 })).toMatchObject({ kind: 'steady', periodSeconds: 180 });
    expect(silencePlan({ schedule: '1h', periodSeconds: 3600 })).toMatchObject({ kind: 'steady', periodSeconds: 1260 });
    expect(silencePlan({ schedule: 'cron(0 6 * * ? *)', periodSeconds: 86_400 })).toMatchObject({ kind: 'steady', periodSeconds: 28_860 });
    // Every 5 hours, with a 4-hour gap at midnight: watched at its longest gap.
    expect(silencePlan({ schedule: 'cron(0 */5 * * ? *)', periodSeconds: 14_400 })).toMatchObject({ kind: 'steady', gapSeconds: 18_000 });
    // Once a month is too quiet to watch for silence; its failure alarm still watches it.
    expect(silencePlan({ schedule: 'cron(0/5 * 1 * ? *)', periodSeconds: 300 }).kind).toBe('none');
  });

  it('reads the hours of a weekly cron into DAY()/HOUR() clauses (1 = Monday, UTC)', () => {
    expect(hoursPredicate(activeHours('cron(0 9-17 ? * MON-FRI *)', 3600), 'b')).toBe('(DAY(b) <= 5 AND HOUR(b) >= 9 AND HOUR(b) <= 17)');
    expect(hoursPredicate(activeHours('cron(0/15 8-11,14-15 ? * SAT,SUN *)', 900), 'b')).toBe('(DAY(b) >= 6 AND HOUR(b) >= 8 AND HOUR(b) <= 11) OR (DAY(b) >= 6 AND HOUR(b) >= 14 AND HOUR(b) <= 15)');
    // Runs at :45 and :50 every 5 min apart, but not from the hour's start: a range at its start would hold no run.
    expect(hoursPredicate(activeHours('cron(45,50 9 ? * MON *)', 300), 'b')).toBe('0');
  });
});

describe('alerting.operator validation', () => {
  const withOperator = (operator: unknown): Fleet => ({ ...smallFleet(), alerting: { ...smallFleet().alerting, operator } as Fleet['alerting'] });

  it('accepts an owner with emails and Slack channels', () => {
    expect(validateFleet(withOperator({ owner: 'platform-sre', emails: ['probes@example.com'], slackChannels: [{ workspaceId: 'T0001', channelId: 'C0OPS' }] }))).toMatchObject({ ok: true });
  });

  it('reports every problem with its path: no owner, a bad address, a route key that only the pager and chat routes take', () => {
    const result = validateFleet(withOperator({ emails: ['not-an-address'], webhooks: [] }));
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.diagnostics.map((d) => `${d.path}: ${d.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^alerting\.operator\.owner: missing required value: expected the team or person that owns the probes/),
        expect.stringMatching(/^alerting\.operator\.emails\[0\]: .*expected an email address/),
        expect.stringMatching(/^alerting\.operator\.webhooks: fleet-health notices reach the operator by email or Slack only/),
      ]),
    );
  });
});
