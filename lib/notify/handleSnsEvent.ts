// SNS event → alarm events → deliveries. A record that cannot be delivered makes the whole
// invocation throw: Lambda's asynchronous retries then run it again, and after those the
// event lands in the function's dead-letter queue. Nothing is dropped with only a log line.
// With a ledger, a retried message skips the destinations that already have it.
import type { SNSEvent, SNSMessage } from 'aws-lambda';
import type { Redactor, SecretProvider } from '../secrets/secrets.js';
import type { AlarmEvent, AlarmTest } from './alarmEvent.js';
import { parseAlarmMessage } from './alarmEvent.js';
import type { DeliverOptions } from './deliver.js';
import type { DeliveredLedger } from './deliveredLedger.js';
import type { DispatchOutcome, SnsNotification } from './dispatch.js';
import { dispatch, recoveryPagerDutySecrets } from './dispatch.js';
import type { NotifyConfig, NotifyRoute, RouteName } from './notifyConfig.js';
import { CHAT_TOPIC_ARN_ENV, PAGER_TOPIC_ARN_ENV } from './notifyConfig.js';

export interface HandleDeps {
  config: NotifyConfig;
  secrets: SecretProvider;
  redactor: Redactor;
  env?: NodeJS.ProcessEnv;
  deliver?: DeliverOptions;
  pagerDutyUrl?: string;
  /** Kept across invocations of one container: what each message already delivered. */
  ledger?: DeliveredLedger;
  log?: (line: string) => void;
}

export class UnknownTopicError extends Error {
  readonly kind = 'unknown_topic';
  readonly retryable = false;
}

/** An unresolved CDK token in the bundle says nothing about the real ARN. */
function known(arn: string | undefined): string | null {
  return arn && !arn.includes('${Token[') ? arn : null;
}

export function routeForTopic(topicArn: string, config: NotifyConfig, env: NodeJS.ProcessEnv = {}): RouteName {
  const pager = known(env[PAGER_TOPIC_ARN_ENV]) ?? known(config.routes.pager.topicArn);
  const chat = known(env[CHAT_TOPIC_ARN_ENV]) ?? known(config.routes.chat.topicArn);
  if (pager !== null && topicArn === pager) return 'pager';
  if (chat !== null && topicArn === chat) return 'chat';
  throw new UnknownTopicError(
    `notify: message from topic ${topicArn}: expected the pager topic (${pager ?? `unset; set ${PAGER_TOPIC_ARN_ENV}`}) or the chat topic (${chat ?? `unset; set ${CHAT_TOPIC_ARN_ENV}`}); not retryable until the configuration is fixed`,
  );
}

/** The record as SNS would have posted it to an HTTPS subscriber (see SnsNotification). */
export function notificationOf(sns: SNSMessage): SnsNotification {
  return {
    Type: sns.Type,
    MessageId: sns.MessageId,
    TopicArn: sns.TopicArn,
    ...(typeof sns.Subject === 'string' && sns.Subject !== '' ? { Subject: sns.Subject } : {}),
    Message: sns.Message,
    Timestamp: sns.Timestamp,
    ...(sns.SignatureVersion ? { SignatureVersion: sns.SignatureVersion } : {}),
    ...(sns.Signature ? { Signature: sns.Signature } : {}),
    ...(sns.SigningCertUrl ? { SigningCertURL: sns.SigningCertUrl } : {}),
  };
}

/**
 * Where a message goes on its route. An OK on the pager topic goes only to the integration URL:
 * webhooks and PagerDuty events take recoveries from the chat copy every alarm sends
 * (recoveryPagerDutySecrets), and would otherwise get them twice.
 */
export function destinationsFor(route: RouteName, state: string, config: NotifyRoute): NotifyRoute {
  if (route !== 'pager' || state !== 'OK') return config;
  return { topicArn: config.topicArn, webhooks: [], pagerDutyRoutingKeySecret: null, integrationUrlSecret: config.integrationUrlSecret ?? null };
}

/**
 * Every OK reaches the chat topic. A recovery of an alarm that paged goes where its alarm went:
 * the pager route's webhooks and PagerDuty (a resolve for the incident its trigger opened), not
 * the chat webhooks, which never saw it fire. The chat route's integration URL still gets the
 * SNS copy it was sent. Alarms whose route the bundle cannot tell keep the older rule (chat,
 * plus the pager's PagerDuty resolve, recoveryPagerDutySecrets).
 */
export function recoveryRoute(alarm: AlarmEvent, arrival: RouteName, config: NotifyConfig): { route: NotifyRoute; extraPagerDutySecrets: string[] } {
  const own = destinationsFor(arrival, alarm.state, config.routes[arrival]);
  if (alarm.status !== 'resolved' || arrival !== 'chat' || alarm.alarmRoute !== 'pager' || alarm.test !== undefined) {
    return { route: own, extraPagerDutySecrets: recoveryPagerDutySecrets(alarm, arrival, config) };
  }
  const pager = config.routes.pager;
  return {
    route: { topicArn: own.topicArn, webhooks: pager.webhooks, pagerDutyRoutingKeySecret: pager.pagerDutyRoutingKeySecret, integrationUrlSecret: own.integrationUrlSecret ?? null },
    extraPagerDutySecrets: [],
  };
}

export interface RecordOutcome {
  messageId: string;
  route: RouteName;
  alarmName: string;
  state: string;
  outcomes: DispatchOutcome[];
  /** Set for a test notification from `probe-fleet page --test`. */
  test?: AlarmTest;
}

export async function handleSnsEvent(event: SNSEvent, deps: HandleDeps): Promise<RecordOutcome[]> {
  const log = deps.log ?? ((line: string) => console.log(line));
  const results: RecordOutcome[] = [];
  const errors: string[] = [];
  const records = Array.isArray(event?.Records) ? event.Records : [];
  if (records.length === 0) throw new Error('notify: expected an SNS event with Records, received none');
  for (const record of records) {
    const sns = record.Sns;
    const messageId = typeof sns?.MessageId === 'string' ? sns.MessageId : 'unknown';
    try {
      if (typeof sns?.Message !== 'string' || typeof sns.TopicArn !== 'string') {
        throw new Error(`notify: record ${messageId}: expected Sns.Message and Sns.TopicArn strings, received ${JSON.stringify(Object.keys(sns ?? {}))}`);
      }
      const route = routeForTopic(sns.TopicArn, deps.config, deps.env);
      const alarm: AlarmEvent = parseAlarmMessage(sns.Message, { config: deps.config, route });
      const where = recoveryRoute(alarm, route, deps.config);
      const outcomes = await dispatch(
        alarm,
        where.route,
        {
          secrets: deps.secrets,
          notification: notificationOf(sns),
          deliver: { redactor: deps.redactor, ...deps.deliver },
          ...(deps.pagerDutyUrl ? { pagerDutyUrl: deps.pagerDutyUrl } : {}),
          // Without a real MessageId there is nothing to recognise a retry by.
          ...(deps.ledger && messageId !== 'unknown' ? { delivered: { ledger: deps.ledger, messageId } } : {}),
        },
        where.extraPagerDutySecrets,
      );
      results.push({ messageId, route, alarmName: alarm.alarmName, state: alarm.state, outcomes, ...(alarm.test ? { test: alarm.test } : {}) });
      log(JSON.stringify({ level: 'info', msg: 'notified', messageId, route, alarm: alarm.alarmName, state: alarm.state, ...(alarm.test ? { test: alarm.test } : {}), outcomes }));
    } catch (error) {
      const message = deps.redactor.redact(error instanceof Error ? error.message : String(error));
      errors.push(message);
      log(JSON.stringify({ level: 'error', msg: 'notification failed', messageId, kind: (error as { kind?: string }).kind ?? 'internal', error: message }));
    }
  }
  if (errors.length > 0) {
    // Throwing hands the event to Lambda's async retries and then the dead-letter queue.
    throw new Error(`notify: ${errors.length} of ${records.length} record(s) not delivered; the event will be retried and then sent to the dead-letter queue: ${errors.join(' | ')}`);
  }
  return results;
}
