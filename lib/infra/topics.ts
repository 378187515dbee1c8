// The on-call topics: `pager` (critical) and `chat` (warnings, certificate notices,
// recoveries), encrypted with a customer key that CloudWatch may use to publish, with SSL
// enforced by topic policy and the subscriptions the fleet definition names.
//
// A topic policy replaces SNS's default policy (which lets the owning account publish), so
// every publisher must be allowed here by name. The only publishers are the fleet's
// CloudWatch alarms (alarm and OK actions), as the service principal
// `cloudwatch.amazonaws.com`; without this Allow every alarm action fails and only alarm
// history shows it. Access policy examples, incl. aws:SourceAccount / aws:SourceArn against
// the confused deputy:
//   https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
//   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
// An encrypted topic also needs the key to let CloudWatch use it:
//   https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { SlackChannelConfiguration, LoggingLevel } from 'aws-cdk-lib/aws-chatbot';
import { ManagedPolicy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { composeAlarmName } from '../alerting/naming.js';
import { topicName as plainTopicName } from '../notify/topicArns.js';
import type { AlertRoute, Fleet } from '../model/fleet.js';
import { acknowledgeDeadLetterQueue } from './nag.js';

export type RouteName = 'pager' | 'chat';
export const ROUTES: readonly RouteName[] = ['pager', 'chat'];

/** Deterministic topic names, so stacks that do not own the topics (and the CLI) can address them by ARN. */
export function topicName(prefix: string, route: RouteName): string {
  return plainTopicName(prefix, route);
}

/** The topic ARN in the scope's stack's account and region, without a cross-stack export. */
export function topicArnIn(scope: Construct, prefix: string, route: RouteName): string {
  return Stack.of(scope).formatArn({ service: 'sns', resource: topicName(prefix, route) });
}

/**
 * The alarm-name pattern every alarm of the fleet matches: `probe-fleet/<fleet>/*`, read off
 * the one naming function (lib/alerting/naming.ts), so a new alarm kind is covered without
 * touching the topic policy.
 */
export function fleetAlarmNamePattern(fleet: string): string {
  const sample = composeAlarmName({ fleet, kind: 'service', subject: 'x' });
  return `${sample.split('/').slice(0, 2).join('/')}/*`;
}

/** `arn:<partition>:cloudwatch:<region>:<account>:alarm:probe-fleet/<fleet>/*` in the scope's stack. */
export function fleetAlarmArnPattern(scope: Construct, fleet: string): string {
  return Stack.of(scope).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: fleetAlarmNamePattern(fleet), arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * Lets the fleet's alarms, and nothing else, publish to the topic: the CloudWatch service
 * principal, only on behalf of this account (aws:SourceAccount) and of alarms named like the
 * fleet's in the topic's region (aws:SourceArn). Alarms publish to topics of their own region.
 */
export function allowFleetAlarmsToPublish(topic: Topic, fleet: string): void {
  const stack = Stack.of(topic);
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: 'AllowFleetAlarmsToPublish',
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': fleetAlarmArnPattern(topic, fleet) },
      },
    }),
  );
}

export function subscriptionDeadLettersName(prefix: string): string {
  return `${prefix}-subscription-dead-letters`.slice(0, 80);
}

export interface FleetTopics {
  key: Key;
  pager: Topic;
  chat: Topic;
  /** Messages SNS could not deliver to a subscription after its retries. */
  deadLetters: Queue;
}

export function fleetTopics(scope: Construct, fleet: Fleet, prefix: string): FleetTopics {
  const key = new Key(scope, 'TopicKey', {
    alias: `alias/${prefix}-topics`,
    description: `Encrypts the ${fleet.name} probe-fleet alarm topics`,
    enableKeyRotation: true,
  });
  // CloudWatch alarms publish to an encrypted topic only when the key lets CloudWatch use it.
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  );
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'AllowSnsToDeliver',
      principals: [new ServicePrincipal('sns.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  );
  const make = (route: RouteName): Topic => {
    const topic = new Topic(scope, route === 'pager' ? 'PagerTopic' : 'ChatTopic', {
      topicName: topicName(prefix, route),
      displayName: `${fleet.name} ${route === 'pager' ? 'pages' : 'alerts'}`,
      masterKey: key,
      enforceSSL: true,
    });
    allowFleetAlarmsToPublish(topic, fleet.name);
    return topic;
  };
  const deadLetters = new Queue(scope, 'SubscriptionDeadLetters', {
    queueName: subscriptionDeadLettersName(prefix),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledgeDeadLetterQueue(deadLetters, 'SNS subscription redrive');
  const topics = { key, pager: make('pager'), chat: make('chat'), deadLetters };
  for (const route of ROUTES) subscribe(scope, topics[route], route, fleet.alerting?.[route], prefix, deadLetters);
  return topics;
}

function subscribe(scope: Construct, topic: ITopic, route: RouteName, config: AlertRoute | undefined, prefix: string, deadLetterQueue: Queue): void {
  for (const email of config?.emails ?? []) topic.addSubscription(new EmailSubscription(email, { deadLetterQueue }));
  // No HTTPS subscription for integration URLs (PagerDuty, Opsgenie): a subscription's
  // Endpoint is readable through the SNS API (ListSubscriptions, GetSubscriptionAttributes)
  // and is not refreshed when the secret rotates. The notify function reads `integrationUrl`
  // from Secrets Manager when it delivers (lib/notify/dispatch.ts).
  (config?.slackChannels ?? []).forEach((channel, i) => {
    new SlackChannelConfiguration(scope, `Slack-${route}-${i}`, {
      slackChannelConfigurationName: `${prefix}-${route}-${channel.name ?? channel.channelId}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128),
      slackWorkspaceId: channel.workspaceId,
      slackChannelId: channel.channelId,
      notificationTopics: [topic],
      loggingLevel: LoggingLevel.ERROR,
      // Without a guardrail AWS Chatbot applies AdministratorAccess as the ceiling on what
      // channel members may do through it; reading alarms and metrics is all this needs.
      guardrailPolicies: [ManagedPolicy.fromAwsManagedPolicyName('CloudWatchReadOnlyAccess')],
    });
  });
}
