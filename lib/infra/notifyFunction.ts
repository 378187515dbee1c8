// The notify function (lambdas/notify.ts) turns alarm messages into Slack/Teams/Google Chat
// messages and PagerDuty events. It exists only when the fleet asks for webhook or
// PagerDuty delivery. SNS invokes it asynchronously: Lambda retries a failed delivery twice,
// then the event lands in an encrypted dead-letter queue whose depth pages — an alert is
// never lost silently.
import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import { FilterOrPolicy, SubscriptionFilter } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { AlertRoute, Fleet } from '../model/fleet.js';
import {
  buildNotifyConfig,
  CHAT_TOPIC_ARN_ENV,
  NOTIFY_CONFIG_FILE,
  PAGER_TOPIC_ARN_ENV,
  routeNeedsNotifyFunction,
} from '../notify/notifyConfig.js';
import type { AlarmRoutes } from './alarmContext.js';
import { deadLetterAlarm } from './deadLetterAlarm.js';
import { lambdaCodeProps, type BundlingMode } from './lambdaCode.js';
import { secretNamesIn } from '../config/secretsUsed.js';
import { secretArn } from './secretArns.js';
import type { RouteName } from './topics.js';
import { acknowledge, acknowledgeDeadLetterQueue, acknowledgeRuntime, NO_TRACING_REASON } from './nag.js';

export const NOTIFY_RETRY_ATTEMPTS = 2;
/** The subject of the dead-letter alarm: it is the alerting pipeline's own heartbeat. */
export const DEAD_LETTER_SUBJECT = 'notify-dead-letters';

export interface NotifyFunctionProps {
  fleet: Fleet;
  prefix: string;
  topics: Record<RouteName, Topic>;
  routes: AlarmRoutes;
  dashboardUrl: string;
  bundling: BundlingMode;
  logRetention: RetentionDays;
  /** Where SNS puts messages it could not hand to the function. */
  subscriptionDeadLetters: IQueue;
}

export interface NotifyResources {
  fn: NodejsFunction;
  deadLetters: Queue;
  deadLetterAlarm: Alarm;
}

function routeWantsFunction(fleet: Fleet, route: RouteName): boolean {
  return routeNeedsNotifyFunction(fleet.alerting?.[route]);
}

/**
 * Which alarm messages of a topic the notify function takes. A paging alarm sends its OK to
 * the pager topic (for the PagerDuty/Opsgenie HTTPS integrations and emails subscribed there)
 * and to chat; the function resolves PagerDuty and posts recoveries from the chat copy
 * (lib/notify/dispatch.ts, recoveryPagerDutySecrets), so on the pager topic it skips OK
 * messages, or it would resolve twice. When only the pager route needs the function, it still
 * takes the OKs from chat, where the recoveries of the pages it opened arrive.
 * A pager route with an `integrationUrl` takes every message: the integration (PagerDuty's or
 * Opsgenie's CloudWatch integration) closes its incident on the pager topic's own OK, as it
 * did when it was an HTTPS subscription; the function posts those OKs to the integration only.
 */
export function notifySubscriptionFilter(fleet: Fleet, route: RouteName): 'all' | 'no-recoveries' | 'recoveries-only' | 'none' {
  if (route === 'pager') {
    if (!routeWantsFunction(fleet, 'pager')) return 'none';
    return fleet.alerting?.pager?.integrationUrl !== undefined ? 'all' : 'no-recoveries';
  }
  if (routeWantsFunction(fleet, 'chat')) return 'all';
  return fleet.alerting?.pager?.pagerDutyRoutingKey !== undefined ? 'recoveries-only' : 'none';
}

export function notifyFunction(scope: Construct, props: NotifyFunctionProps): NotifyResources {
  const { fleet, prefix } = props;
  const name = `${prefix}-notify`.slice(0, 64);
  const deadLettersName = `${prefix}-notify-dead-letters`.slice(0, 80);
  const deadLetters = new Queue(scope, 'NotifyDeadLetters', {
    queueName: deadLettersName,
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  // Exactly what the function delivers with: webhooks, routing keys and integration URLs, read
  // from Secrets Manager at delivery time (no key ever sits in a subscription endpoint).
  const delivered = (route: AlertRoute | undefined): unknown[] => [route?.webhooks, route?.pagerDutyRoutingKey, route?.integrationUrl];
  const secrets = secretNamesIn(...delivered(fleet.alerting?.pager), ...delivered(fleet.alerting?.chat));
  // Named by CloudFormation and retained: a fixed name would collide with the group a
  // `cdk destroy` left behind (see probeLogGroup in probeFunction.ts).
  const logGroup = new LogGroup(scope, 'NotifyLogs', { retention: props.logRetention });
  const statements = [
    new PolicyStatement({
      sid: 'WriteOwnLogs',
      effect: Effect.ALLOW,
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  ];
  if (secrets.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'ReadDeliverySecrets',
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: secrets.map((s) => secretArn(scope, s)),
      }),
    );
  }
  const role = new Role(scope, 'NotifyRole', {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `probe-fleet ${fleet.name} notification delivery`,
    inlinePolicies: { notify: new PolicyDocument({ statements }) },
  });
  const config = buildNotifyConfig(fleet, { dashboardUrl: props.dashboardUrl });
  const fn = new NodejsFunction(scope, 'Notify', {
    ...lambdaCodeProps(props.bundling, 'lambdas/notify.ts', { [NOTIFY_CONFIG_FILE]: `${JSON.stringify(config)}\n` }),
    functionName: name,
    description: `probe-fleet ${fleet.name}: alarm messages to chat webhooks and PagerDuty`,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: 256,
    timeout: Duration.seconds(30),
    role,
    logGroup,
    retryAttempts: NOTIFY_RETRY_ATTEMPTS,
    onFailure: new SqsDestination(deadLetters),
    // The topic ARNs are deploy-time tokens, so they travel as variables rather than in notify.json.
    environment: {
      [PAGER_TOPIC_ARN_ENV]: props.topics.pager.topicArn,
      [CHAT_TOPIC_ARN_ENV]: props.topics.chat.topicArn,
    },
  });
  acknowledgeRuntime(fn);
  acknowledge(fn, { id: 'Serverless::Serverless-LambdaTracing', reason: NO_TRACING_REASON });
  acknowledge(fn, {
    id: 'Serverless::Serverless-LambdaDLQ',
    reason: 'Failed deliveries go to an SQS on-failure destination (EventInvokeConfig), which keeps the whole invocation record, not to a legacy DeadLetterConfig; the queue depth is alarmed.',
  });
  acknowledgeDeadLetterQueue(deadLetters, 'the notify function\'s on-failure destination');
  for (const route of ['pager', 'chat'] as const) {
    const filter = notifySubscriptionFilter(fleet, route);
    if (filter === 'none') continue;
    props.topics[route].addSubscription(
      new LambdaSubscription(fn, {
        deadLetterQueue: props.subscriptionDeadLetters,
        ...(filter === 'all' ? {} : { filterPolicyWithMessageBody: { NewStateValue: FilterOrPolicy.filter(filter === 'no-recoveries' ? SubscriptionFilter.stringFilter({ denylist: ['OK'] }) : SubscriptionFilter.stringFilter({ allowlist: ['OK'] })) } }),
      }),
    );
  }
  const depthAlarm = deadLetterAlarm(
    { scope, metrics: { namespace: '', fleet: fleet.name }, fleet: fleet.name, routes: props.routes },
    deadLetters,
    deadLettersName,
    DEAD_LETTER_SUBJECT,
    `Notifications for ${fleet.name} (chat webhooks, PagerDuty events)`,
    props.dashboardUrl,
  );
  return { fn, deadLetters, deadLetterAlarm: depthAlarm };
}
