// A small fleet and CloudWatch alarm messages in the shapes CloudWatch sends through SNS.
import type { SNSEvent } from 'aws-lambda';
import type { Fleet } from '../../lib/model/fleet.js';
import { secret } from '../../lib/model/defineFleet.js';

export const PAGER_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:probe-fleet-shop-pager';
export const CHAT_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:probe-fleet-shop-chat';
export const DASHBOARD = 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=probe-fleet-shop';

export function shopFleet(): Fleet {
  return {
    name: 'shop',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1', 'us-east-1'],
    environments: { prod: { baseUrl: 'https://shop.example' } },
    alerting: {
      pager: { pagerDutyRoutingKey: secret('pd-routing-key') },
      chat: {
        webhooks: [
          { kind: 'slack', url: secret('slack-webhook') },
          { kind: 'teams', url: secret('teams-webhook') },
          { kind: 'googleChat', url: secret('gchat-webhook') },
        ],
      },
    },
    checks: [
      {
        kind: 'http',
        id: 'health',
        name: 'Health endpoint',
        service: 'api',
        owner: 'team-api (#api-oncall)',
        runbook: 'https://runbooks.example/api/health',
        rollbackNote: 'Roll back with `deploy rollback api`; the previous image is kept for 7 days.',
        expect: 'GET /health answers 200 with {"status":"ok"}',
        severity: 'critical',
        url: '/health',
      },
      {
        kind: 'http',
        id: 'products',
        name: 'Product list <beta>',
        service: 'catalog',
        owner: 'team-catalog',
        runbook: 'https://runbooks.example/catalog',
        rollbackNote: 'Disable the feature flag catalog-v2.',
        expect: 'GET /products?limit=1 returns JSON',
        severity: 'warning',
        url: '/products',
      },
    ],
  };
}

export interface AlarmMessageOptions {
  name: string;
  state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  old: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  at?: string;
  previousAt?: string;
  mathRegions?: string[];
}

/** A metric-math alarm message like the availability alarms send (Trigger.Metrics). */
export function alarmMessage(o: AlarmMessageOptions): string {
  return JSON.stringify({
    AlarmName: o.name,
    AlarmDescription: 'Health endpoint (api) — owner team-api',
    AWSAccountId: '123456789012',
    AlarmConfigurationUpdatedTimestamp: '2026-11-20T10:00:00.000+0000',
    NewStateValue: o.state,
    NewStateReason: o.state === 'ALARM' ? 'Threshold Crossed: 2 out of the last 3 datapoints [2.0 (22/11/26 00:10:00), 2.0 (22/11/26 00:09:00)] were greater than or equal to the threshold (2.0).' : 'Threshold Crossed: no datapoints were greater than or equal to the threshold (2.0).',
    StateChangeTime: o.at ?? '2026-11-22T00:10:30.123+0000',
    ...(o.previousAt ? { PreviousStateChangeTime: o.previousAt } : {}),
    Region: 'EU (Ireland)',
    AlarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${o.name}`,
    OldStateValue: o.old,
    OKActions: [],
    AlarmActions: [],
    InsufficientDataActions: [],
    Trigger: {
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 2,
      TreatMissingData: 'breaching',
      EvaluateLowSampleCountPercentile: '',
      Metrics: [
        { Expression: 'm0+m1', Id: 'failed', Label: 'regions failing', ReturnData: true },
        ...(o.mathRegions ?? ['eu-west-1', 'us-east-1']).map((region, i) => ({
          Id: `m${i}`,
          ReturnData: false,
          MetricStat: {
            Metric: { Dimensions: [{ value: 'shop', name: 'Fleet' }, { value: 'health', name: 'Check' }, { value: region, name: 'Region' }], MetricName: 'Success', Namespace: 'ProbeFleet' },
            Period: 60,
            Stat: 'Minimum',
          },
        })),
      ],
    },
  });
}

/** The shop fleet with a second check in service `api`, so a service alarm has a member that did not fire. */
export function twoCheckServiceFleet(): Fleet {
  const fleet = shopFleet();
  fleet.checks.push({
    kind: 'http',
    id: 'login',
    name: 'Login rejects a wrong password',
    service: 'api',
    owner: 'team-identity (#identity-oncall)',
    runbook: 'https://runbooks.example/api/login',
    rollbackNote: 'Switch the auth-v3 flag off.',
    expect: 'POST /auth/token with a wrong password answers 401',
    severity: 'critical',
    url: '/auth/token',
  });
  return fleet;
}

export interface TriggeringChild {
  alarm: string;
  state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
}

const HEALTH_CHILD: TriggeringChild[] = [{ alarm: 'probe-fleet/shop/availability/health', state: 'ALARM' }];

/**
 * A composite alarm message (AlarmRule instead of Trigger), with `TriggeringChildren` as
 * CloudWatch sends it (`{ Arn, State: { Value, Timestamp } }`); `children: null` leaves the field out.
 */
export function compositeMessage(name: string, state: 'ALARM' | 'OK', old: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA', children: TriggeringChild[] | null = HEALTH_CHILD): string {
  return JSON.stringify({
    AlarmName: name,
    AlarmDescription: 'Service api: composite of its critical checks',
    AWSAccountId: '123456789012',
    NewStateValue: state,
    NewStateReason: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:probe-fleet/shop/availability/health transitioned to ALARM at Sunday 22 November, 2026 00:10:30 UTC',
    StateChangeTime: '2026-11-22T00:10:31.000+0000',
    Region: 'EU (Ireland)',
    AlarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`,
    OldStateValue: old,
    AlarmRule: 'ALARM("probe-fleet/shop/availability/health")',
    ...(children === null ? {} : { TriggeringChildren: children.map((c) => ({ Arn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${c.alarm}`, State: { Value: c.state, Timestamp: '2026-11-22T00:10:30.123+0000' } })) }),
  });
}

let messageSeq = 0;

/** Every call is a new SNS message with its own MessageId, as SNS assigns them. */
export function snsEvent(topicArn: string, ...messages: string[]): SNSEvent {
  return {
    Records: messages.map((message, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${topicArn}:0b1d4a4e-0000-4000-8000-00000000000${i}`,
      Sns: {
        Type: 'Notification',
        MessageId: `95df01b4-ee98-5cb9-9903-${(++messageSeq).toString(16).padStart(12, '0')}`,
        TopicArn: topicArn,
        Subject: 'ALARM: "probe-fleet/shop/availability/health" in EU (Ireland)',
        Message: message,
        Timestamp: '2026-11-22T00:10:30.200Z',
        SignatureVersion: '1',
        Signature: 'EXAMPLE',
        SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000.pem',
        UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
        MessageAttributes: {},
      },
    })),
  };
}
