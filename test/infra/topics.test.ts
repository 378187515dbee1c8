import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { NOTIFY_RETRY_ATTEMPTS } from '../../lib/infra/notifyFunction.js';
import { iamStatements, smallFleet, synth } from './synth.js';

const s = synth(smallFleet());
const home = s.template(s.fleet.homeStack);

describe('on-call topics', () => {
  it('encrypts both topics with a rotating customer key that CloudWatch and SNS may use', () => {
    home.resourceCountIs('AWS::KMS::Key', 1);
    home.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'AllowCloudWatchAlarmsToPublish', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
          Match.objectLike({ Sid: 'AllowSnsToDeliver', Principal: { Service: 'sns.amazonaws.com' } }),
        ]),
      },
    });
    for (const route of ['pager', 'chat']) {
      home.hasResourceProperties('AWS::SNS::Topic', { TopicName: `probe-fleet-shop-${route}`, KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TopicKey'), 'Arn'] } });
    }
  });

  it('enforces SSL on publishing by topic policy', () => {
    home.resourceCountIs('AWS::SNS::TopicPolicy', 2);
    home.allResourcesProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it("lets the fleet's alarms publish, scoped to this account and alarms named probe-fleet/<fleet>/* (a topic policy replaces SNS's default)", () => {
    for (const topic of ['^PagerTopic', '^ChatTopic']) {
      home.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: Match.stringLikeRegexp(topic) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowFleetAlarmsToPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: { Ref: Match.stringLikeRegexp(topic) },
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:eu-west-1:', { Ref: 'AWS::AccountId' }, ':alarm:probe-fleet/shop/*']] } },
              },
            },
          ]),
        },
      });
    }
  });

  it('subscribes no HTTPS endpoint: integration URLs stay in Secrets Manager, read by the notify function', () => {
    const json = JSON.stringify(home.toJSON());
    home.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'https' }, 0);
    expect(json).not.toContain('resolve:secretsmanager');
    expect(json).not.toContain('opsgenie/cloudwatch-url"');
  });

  it('subscribes email with a redrive queue, and Slack channels through AWS Chatbot', () => {
    home.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'sre@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('^ChatTopic') },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SubscriptionDeadLetters'), 'Arn'] } },
    });
    home.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0001',
      SlackChannelId: 'C0001',
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^ChatTopic') }],
      // Not the AdministratorAccess AWS applies when no guardrail is given.
      GuardrailPolicies: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/CloudWatchReadOnlyAccess']] }],
    });
    home.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'probe-fleet-shop-subscription-dead-letters', SqsManagedSseEnabled: true });
    home.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'probe-fleet/shop/heartbeat/subscription-dead-letters', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 });
  });
});

describe('notify function', () => {
  it('is subscribed to both topics, retries twice, then lands in an encrypted dead-letter queue whose depth alarms', () => {
    home.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'probe-fleet-shop-notify',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Environment: { Variables: { PROBE_FLEET_PAGER_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^PagerTopic') }, PROBE_FLEET_CHAT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^ChatTopic') } } },
    });
    home.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: NOTIFY_RETRY_ATTEMPTS,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotifyDeadLetters'), 'Arn'] } } },
    });
    home.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'probe-fleet-shop-notify-dead-letters', SqsManagedSseEnabled: true });
    for (const topic of ['^PagerTopic', '^ChatTopic']) {
      home.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', TopicArn: { Ref: Match.stringLikeRegexp(topic) }, RedrivePolicy: Match.anyValue() });
    }
    const alarm = Object.values(home.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'probe-fleet/shop/heartbeat/notify-dead-letters' } }))[0] as { Properties: Record<string, unknown> };
    expect(alarm.Properties).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0, TreatMissingData: 'notBreaching', DatapointsToAlarm: 1 });
    // Someone is told: the pager topic, or the operator's fleet-health topic where the fleet routes its own trouble.
    expect(JSON.stringify(alarm.Properties.AlarmActions)).toMatch(/PagerTopic|probe-fleet-shop-operator/);
  });

  it('takes no recoveries from the pager topic (it handles their chat copy) and every message from chat', () => {
    home.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: Match.stringLikeRegexp('^PagerTopic') },
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { NewStateValue: [{ 'anything-but': ['OK'] }] },
    });
    home.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', TopicArn: { Ref: Match.stringLikeRegexp('^ChatTopic') }, FilterPolicy: Match.absent() });
  });

  it('takes every pager message, recoveries included, when the pager route has an integration URL (the integration closes its incident on OK)', () => {
    const withIntegration = synth(smallFleet({ alerting: { pager: { integrationUrl: { $secret: 'pd/cloudwatch-url' } }, chat: { emails: ['a@example.com'] } } }));
    const t = withIntegration.template(withIntegration.fleet.homeStack);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', TopicArn: { Ref: Match.stringLikeRegexp('^PagerTopic') }, FilterPolicy: Match.absent() });
    // Chat has nothing for the function: no webhook, and the pager route closes its own incidents.
    t.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'lambda', TopicArn: { Ref: Match.stringLikeRegexp('^ChatTopic') } }, 0);
    const statement = iamStatements(t).find((st) => st.Action === 'secretsmanager:GetSecretValue');
    expect(JSON.stringify(statement?.Resource).match(/secret:[^"]+/g)).toEqual(['secret:pd/cloudwatch-url-??????']);
  });

  it('takes the recoveries from chat when only the pager route needs it, to resolve the PagerDuty incidents it opened', () => {
    const pagerOnly = synth(smallFleet({ alerting: { pager: { pagerDutyRoutingKey: { $secret: 'pd/routing-key' } }, chat: { emails: ['a@example.com'] } } }));
    const t = pagerOnly.template(pagerOnly.fleet.homeStack);
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: Match.stringLikeRegexp('^ChatTopic') },
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { NewStateValue: ['OK'] },
    });
  });

  it('reads exactly the delivery secrets', () => {
    const statement = iamStatements(home).find((st) => st.Action === 'secretsmanager:GetSecretValue');
    expect(JSON.stringify(statement?.Resource).match(/secret:[^"]+/g)).toEqual(['secret:opsgenie/cloudwatch-url-??????', 'secret:pd/routing-key-??????', 'secret:teams/webhook-??????']);
  });

  it('is not deployed when no route asks for webhooks or PagerDuty', () => {
    const plain = synth(smallFleet({ alerting: { chat: { emails: ['a@example.com'] } } }));
    const t = plain.template(plain.fleet.homeStack);
    t.resourcePropertiesCountIs('AWS::Lambda::Function', { FunctionName: 'probe-fleet-shop-notify' }, 0);
    t.resourceCountIs('AWS::SNS::Subscription', 1);
    t.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    expect(plain.fleet.notify).toBeUndefined();
  });
});
