// Sends one alarm event along one route: every chat webhook of the route, PagerDuty when the
// route has a routing key, and the SNS notification itself to the route's integration URL. Every destination is tried even if one fails; then any
// failure is raised together, so the caller (Lambda) fails the invocation and retries.
import type { SecretProvider } from '../secrets/secrets.js';
import type { AlarmEvent } from './alarmEvent.js';
import type { DeliverOptions } from './deliver.js';
import { DeliveryError, deliverJson } from './deliver.js';

/** Which destinations already have a message: the notify function's per-container ledger, or the local monitor's outbox. */
export interface DeliveredRecord {
  has(messageId: string, destination: string): boolean;
  add(messageId: string, destination: string): void;
}

/** Header naming one notification; the same on every attempt and after a restart, so a receiver can fold repeats. */
export const NOTIFICATION_ID_HEADER = 'x-probe-fleet-notification-id';
import { formatGoogleChat } from './googleChat.js';
import type { NotifyConfig, NotifyRoute, NotifyWebhook, RouteName } from './notifyConfig.js';
import { PAGERDUTY_EVENTS_URL, formatPagerDuty } from './pagerDuty.js';
import { formatSlack } from './slack.js';
import { formatTeams } from './teams.js';

export interface DispatchDeps {
  secrets: SecretProvider;
  deliver?: DeliverOptions;
  /** Events API endpoint; the EU service region uses `https://events.eu.pagerduty.com/v2/enqueue`. */
  pagerDutyUrl?: string;
  /** Destinations that already have this message (an earlier attempt of the same SNS message). */
  delivered?: { ledger: DeliveredRecord; messageId: string };
  /**
   * Sent with every request as NOTIFICATION_ID_HEADER and `Idempotency-Key`: the same
   * notification always carries the same id, whichever attempt or process sends it.
   */
  notificationId?: string;
  /**
   * For a recovery: only these destinations (by name) get it, the ones that received the
   * alarm, so nobody reads "resolved" about an alarm they never saw and PagerDuty gets no
   * resolve for an incident never opened. Undefined: every destination of the route.
   */
  recoveryDestinations?: ReadonlySet<string>;
  /** The SNS notification as it arrived, for the route's integration URL (forwarded as SNS would post it). */
  notification?: SnsNotification;
}

/**
 * An SNS notification in the JSON shape SNS posts to HTTP/S subscribers, which the PagerDuty
 * and Opsgenie "Amazon CloudWatch" integrations read:
 * https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html
 * The Lambda event carries the fields SNS signs (Message, MessageId, Subject, Timestamp,
 * TopicArn, Type) and the signature, passed through unchanged (not verified against a receiver
 * that checks signatures). `UnsubscribeURL` is left out on purpose:
 * it would let the receiver unsubscribe the notify function from the topic.
 */
export interface SnsNotification {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  SignatureVersion?: string;
  Signature?: string;
  SigningCertURL?: string;
}

/** The headers SNS sends with an HTTP/S notification: https://docs.aws.amazon.com/sns/latest/dg/http-header.html */
export function snsNotificationHeaders(n: SnsNotification): Record<string, string> {
  return { 'x-amz-sns-message-type': n.Type, 'x-amz-sns-message-id': n.MessageId, 'x-amz-sns-topic-arn': n.TopicArn };
}

export interface DispatchOutcome {
  destination: string;
  ok: boolean;
  attempts: number;
  error?: string;
  /** Delivered by an earlier attempt of the same message; not sent again. */
  alreadyDelivered?: true;
}

export class NotifyDeliveryError extends Error {
  readonly kind = 'notify_delivery_failed';
  constructor(
    message: string,
    readonly outcomes: DispatchOutcome[],
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export class NotifyIntegrationError extends Error {
  readonly kind = 'notify_integration';
  readonly retryable = false;
}

export function formatWebhook(kind: NotifyWebhook['kind'], event: AlarmEvent): unknown {
  switch (kind) {
    case 'slack':
      return formatSlack(event);
    case 'teams':
      return formatTeams(event);
    case 'googleChat':
      return formatGoogleChat(event);
  }
}

async function send(destination: string, secretName: string, deps: DispatchDeps, build: (secret: string) => { url: string; message: unknown; headers?: Record<string, string> } | null): Promise<DispatchOutcome> {
  const ledger = deps.delivered;
  if (ledger?.ledger.has(ledger.messageId, destination)) return { destination, ok: true, attempts: 0, alreadyDelivered: true };
  try {
    const secret = await deps.secrets.resolve(secretName);
    const job = build(secret);
    if (job === null) return { destination, ok: true, attempts: 0 };
    const idHeaders: Record<string, string> = deps.notificationId === undefined ? {} : { [NOTIFICATION_ID_HEADER]: deps.notificationId, 'idempotency-key': deps.notificationId };
    const headers = { ...deps.deliver?.headers, ...idHeaders, ...job.headers };
    const delivered = await deliverJson(job.url, job.message, { ...deps.deliver, headers });
    ledger?.ledger.add(ledger.messageId, destination);
    return { destination, ok: true, attempts: delivered.attempts };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const attempts = error instanceof DeliveryError ? error.attempts : 0;
    const retryable = (error as { retryable?: unknown }).retryable !== false;
    return { destination, ok: false, attempts, error: `${message}${retryable ? '' : ' [not retryable]'}` };
  }
}

/** Alarm kinds whose ALARM may go to the pager topic (lib/infra: service composites, certificates about to expire, the delivery pipeline's own dead-letter heartbeats). */
const PAGING_KINDS: ReadonlySet<string> = new Set(['service', 'cert-pager', 'heartbeat']);

/**
 * Every alarm sends its OK to the chat topic, also the ones that paged. So a recovery of a
 * paging alarm arriving on chat must also resolve the PagerDuty incident its ALARM opened,
 * with the pager route's routing key.
 */
export function recoveryPagerDutySecrets(event: AlarmEvent, arrival: RouteName, config: NotifyConfig): string[] {
  const pagerKey = config.routes.pager.pagerDutyRoutingKeySecret;
  if (event.status !== 'resolved' || arrival !== 'chat' || pagerKey === null) return [];
  // A resolved test page (`probe-fleet page --test --resolve`) closes the test incident too.
  if (event.test === undefined && (event.kind === null || !PAGING_KINDS.has(event.kind))) return [];
  // An alarm whose ALARM went to chat never opened an incident: nothing to resolve.
  if (event.test === undefined && event.alarmRoute === 'chat') return [];
  return pagerKey === config.routes.chat.pagerDutyRoutingKeySecret ? [] : [pagerKey];
}

/** The name a destination goes by in outcomes, logs, the outbox and the dead-letter file. */
export function webhookDestination(webhook: NotifyWebhook): string {
  return `${webhook.kind} webhook (secret ${webhook.secretName})`;
}

export function pagerDutyDestination(secretName: string): string {
  return `PagerDuty (secret ${secretName})`;
}

export async function dispatch(event: AlarmEvent, route: NotifyRoute, deps: DispatchDeps, extraPagerDutySecrets: readonly string[] = []): Promise<DispatchOutcome[]> {
  const only = event.status === 'resolved' ? deps.recoveryDestinations : undefined;
  const wanted = (destination: string): boolean => only === undefined || only.has(destination);
  const jobs: Promise<DispatchOutcome>[] = route.webhooks
    .filter((webhook) => wanted(webhookDestination(webhook)))
    .map((webhook) => send(webhookDestination(webhook), webhook.secretName, deps, (url) => ({ url, message: formatWebhook(webhook.kind, event) })));
  const pdSecrets = [...(route.pagerDutyRoutingKeySecret === null ? [] : [route.pagerDutyRoutingKeySecret]), ...extraPagerDutySecrets];
  for (const pdSecret of new Set(pdSecrets)) {
    if (!wanted(pagerDutyDestination(pdSecret))) continue;
    jobs.push(
      send(pagerDutyDestination(pdSecret), pdSecret, deps, (key) => {
        const message = formatPagerDuty(event, key);
        return message === null ? null : { url: deps.pagerDutyUrl ?? PAGERDUTY_EVENTS_URL, message };
      }),
    );
  }
  const integration = route.integrationUrlSecret ?? null;
  const notification = deps.notification;
  if (integration !== null) {
    jobs.push(
      send(`integration URL (secret ${integration})`, integration, deps, (url) => {
        if (notification === undefined) throw new NotifyIntegrationError(`notification for ${event.alarmName}: expected the SNS notification to forward to the integration URL, received none; not retryable (a caller bug)`);
        return { url, message: notification, headers: snsNotificationHeaders(notification) };
      }),
    );
  }
  const outcomes = await Promise.all(jobs);
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length > 0) {
    throw new NotifyDeliveryError(
      `notification for ${event.alarmName} (${event.state}) failed for ${failed.length} of ${outcomes.length} destination(s): ${failed.map((f) => `${f.destination}: ${f.error ?? ''}`).join('; ')}`,
      outcomes,
      failed.some((f) => !(f.error ?? '').endsWith('[not retryable]')),
    );
  }
  return outcomes;
}
