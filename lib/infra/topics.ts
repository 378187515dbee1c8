// The on-call topics: `pager` (critical) and `chat` (warnings, certificate notices,
// recoveries), encrypted with a customer key that CloudWatch may use to publish, with SSL
// enforced by topic policy and the subscriptions the fleet definition names.
import { Duration, SecretValue, Stack } from 'aws-cdk-lib';
import { SlackChannelConfiguration, LoggingLevel } from 'aws-cdk-lib/aws-chatbot';
import { ManagedPolicy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SubscriptionProtocol, Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { AlertRoute, Fleet } from '../model/fleet.js';
import { acknowledgeDeadLetterQueue } from './nag.js';

export type RouteName = 'pager' | 'chat';
export const ROUTES: readonly RouteName[] = ['pager', 'chat'];

/** Deterministic topic names, so stacks that do not own the topics can address them by ARN. */
export function topicName(prefix: string, route: RouteName): string {
  return `${prefix}-${route}`.slice(0, 256);
}

/** The topic ARN in the scope's stack's account and region, without a cross-stack export. */
export function topicArnIn(scope: Construct, prefix: string, route: RouteName): string {
  return Stack.of(scope).formatArn({ service: 'sns', resource: topicName(prefix, route) });
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
  const make = (route: RouteName): Topic =>
    new Topic(scope, route === 'pager' ? 'PagerTopic' : 'ChatTopic', {
      topicName: topicName(prefix, route),
      displayName: `${fleet.name} ${route === 'pager' ? 'pages' : 'alerts'}`,
      masterKey: key,
      enforceSSL: true,
    });
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
  // PagerDuty and Opsgenie CloudWatch integrations read the raw alarm JSON over HTTPS. Their
  // URLs embed keys, so the template holds a dynamic reference that CloudFormation resolves
  // from Secrets Manager at deploy time, never the URL itself.
  for (const ref of config?.httpsEndpoints ?? []) {
    const url = SecretValue.secretsManager(ref.$secret).unsafeUnwrap();
    topic.addSubscription(new UrlSubscription(url, { protocol: SubscriptionProtocol.HTTPS, deadLetterQueue }));
  }
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
