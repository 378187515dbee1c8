// The operator's side of alerting: per region, an encrypted `operator` topic that the
// region's fleet-health alarms publish to, and a dead-letter queue for what the probes and
// the topic could not deliver.
//
// Why one topic per region: an alarm action must name an SNS topic in the alarm's own
// Region ("the SNS topic must be in the same Region as the alarm", PutMetricAlarm
// AlarmActions: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html),
// and an alarm reads metrics of its own Region, so the alarms on AWS/Lambda and AWS/Events
// metrics live in each probe region. Forwarding alarm state-change events through
// EventBridge to the home region was the alternative; it would deliver EventBridge events
// instead of CloudWatch alarm notifications to the same subscribers (another message shape
// for email, Chatbot and the notify function) and add a rule, a role and a bus policy per
// region. A per-region topic keeps every alarm's action a plain topic ARN.
//
// The topic gets the same publish policy as the pager and chat topics (topics.ts,
// allowFleetAlarmsToPublish): only this account's alarms named like the fleet's, in this
// Region, may publish.
import { Duration, Stack } from 'aws-cdk-lib';
import { LoggingLevel, SlackChannelConfiguration } from 'aws-cdk-lib/aws-chatbot';
import { ManagedPolicy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Fleet, SlackChannel } from '../model/fleet.js';
import { acknowledgeDeadLetterQueue } from './nag.js';
import { allowFleetAlarmsToPublish } from './topics.js';

export function operatorTopicName(prefix: string): string {
  return `${prefix}-operator`.slice(0, 256);
}

/** The operator topic's ARN in `region` (default: the scope's stack's), without a cross-stack export. */
export function operatorTopicArn(scope: Construct, prefix: string, region?: string): string {
  return Stack.of(scope).formatArn({ service: 'sns', resource: operatorTopicName(prefix), ...(region ? { region } : {}) });
}

export function fleetHealthDeadLettersName(prefix: string): string {
  return `${prefix}-fleet-health-dead-letters`.slice(0, 80);
}

export function fleetHealthDeadLettersArn(scope: Construct, prefix: string): string {
  return Stack.of(scope).formatArn({ service: 'sqs', resource: fleetHealthDeadLettersName(prefix) });
}

export interface OperatorRouteResolved {
  owner: string;
  emails: string[];
  slackChannels: SlackChannel[];
  /** `operator` when the fleet names one; `chat` when the chat route's emails and Slack channels stand in. */
  source: 'operator' | 'chat';
}

/** The operator route, or the chat route's emails and Slack channels when the fleet names no operator. */
export function operatorRoute(fleet: Fleet): OperatorRouteResolved {
  const operator = fleet.alerting?.operator;
  if (operator) return { owner: operator.owner, emails: operator.emails ?? [], slackChannels: operator.slackChannels ?? [], source: 'operator' };
  const chat = fleet.alerting?.chat;
  return { owner: `the ${fleet.name} fleet's chat route (no alerting.operator)`, emails: chat?.emails ?? [], slackChannels: chat?.slackChannels ?? [], source: 'chat' };
}

export interface OperatorResources {
  key: Key;
  topic: Topic;
  /**
   * Failed asynchronous probe invocations (Lambda's on-failure destination) and operator
   * notifications SNS could not deliver after its retries.
   */
  deadLetters: Queue;
}

/** The operator topic of the scope's region, its key, its email subscriptions and the region's dead-letter queue. */
export function operatorResources(scope: Construct, fleet: Fleet, prefix: string): OperatorResources {
  const stack = Stack.of(scope);
  const key = new Key(scope, 'OperatorTopicKey', {
    alias: `alias/${prefix}-operator`,
    description: `Encrypts the ${fleet.name} probe-fleet operator topic in this region`,
    enableKeyRotation: true,
  });
  // An alarm publishes to an encrypted topic only when the key lets CloudWatch use it:
  // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
  for (const [sid, service] of [
    ['AllowCloudWatchAlarmsToPublish', 'cloudwatch.amazonaws.com'],
    ['AllowSnsToDeliver', 'sns.amazonaws.com'],
  ] as const) {
    key.addToResourcePolicy(
      new PolicyStatement({
        sid,
        principals: [new ServicePrincipal(service)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
  }
  const topic = new Topic(scope, 'OperatorTopic', {
    topicName: operatorTopicName(prefix),
    displayName: `${fleet.name} fleet health`,
    masterKey: key,
    enforceSSL: true,
  });
  allowFleetAlarmsToPublish(topic, fleet.name);
  // SSE-SQS: Lambda and SNS write to it without a key grant.
  const deadLetters = new Queue(scope, 'FleetHealthDeadLetters', {
    queueName: fleetHealthDeadLettersName(prefix),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledgeDeadLetterQueue(deadLetters, 'failed probe invocations and undelivered operator notifications');
  for (const email of operatorRoute(fleet).emails) topic.addSubscription(new EmailSubscription(email, { deadLetterQueue: deadLetters }));
  return { key, topic, deadLetters };
}

/**
 * One AWS Chatbot configuration per operator Slack channel, in the home region, listing the
 * operator topic of every region (a channel configuration takes topics of any Region:
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/slack-setup.html).
 */
export function operatorSlackChannels(scope: Construct, fleet: Fleet, prefix: string, topicArns: readonly string[]): void {
  operatorRoute(fleet).slackChannels.forEach((channel, i) => {
    new SlackChannelConfiguration(scope, `Slack-operator-${i}`, {
      slackChannelConfigurationName: `${prefix}-operator-${channel.name ?? channel.channelId}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128),
      slackWorkspaceId: channel.workspaceId,
      slackChannelId: channel.channelId,
      notificationTopics: topicArns.map((arn, n) => Topic.fromTopicArn(scope, `OperatorTopicRef-${i}-${n}`, arn)),
      loggingLevel: LoggingLevel.ERROR,
      // Reading alarms and metrics is all the channel needs (AdministratorAccess is Chatbot's default ceiling).
      guardrailPolicies: [ManagedPolicy.fromAwsManagedPolicyName('CloudWatchReadOnlyAccess')],
    });
  });
}
