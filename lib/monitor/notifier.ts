// Where the monitor's alarm state changes go: the console, or the fleet's own chat webhooks and
// PagerDuty through the same formatters the notify Lambda uses. Only a new alarm and a
// recovery notify; every other transition is logged by the monitor and nothing more.
import type { AlarmTransition } from '../alerting/evaluate.js';
import type { Fleet } from '../model/fleet.js';
import type { AlarmEvent } from '../notify/alarmEvent.js';
import { buildAlarmEvent } from '../notify/alarmEvent.js';
import { formatConsole } from '../notify/console.js';
import type { DeliveredRecord, DispatchOutcome } from '../notify/dispatch.js';
import { NotifyDeliveryError, dispatch, recoveryPagerDutySecrets } from '../notify/dispatch.js';
import type { NotifyConfig, RouteName } from '../notify/notifyConfig.js';
import { buildNotifyConfig } from '../notify/notifyConfig.js';
import type { Redactor, SecretProvider } from '../secrets/secrets.js';

/** What a notification could not reach after its retries: destinations by name (never a URL) and the redacted error. */
export interface Undelivered {
  destinations: string[];
  error: string;
}

/** One notification of the outbox: its id, what already has it, and where a recovery may go. */
export interface NotificationDelivery {
  id: string;
  /** Destinations that accepted it (a restart skips them); marks each one that accepts it now. */
  ledger: DeliveredRecord;
  /** For a recovery: the destinations that received the alarm (undefined: the whole route). */
  recoveryDestinations?: ReadonlySet<string>;
}

export interface Notifier {
  /**
   * `route`: the topic the event would reach in AWS (pager or chat). Resolves null when every
   * destination has it, else what was not delivered, for the monitor to retry and then keep.
   */
  notify(event: AlarmEvent, route: RouteName, delivery?: NotificationDelivery): Promise<Undelivered | null>;
}

export function shouldNotify(transition: Pick<AlarmTransition, 'from' | 'to'>): boolean {
  return transition.to === 'ALARM' || (transition.from === 'ALARM' && transition.to === 'OK');
}

export function monitorNotifyConfig(fleet: Fleet, statusUrl: string): NotifyConfig {
  return buildNotifyConfig(fleet, { dashboardUrl: statusUrl });
}

/** `triggeringAlarms`: for a service alarm, its member alarms in ALARM (what CloudWatch reports as `TriggeringChildren`). */
/** What the monitor's history says about the failing behind a transition. */
export interface FailureContext {
  failures: { target: string; message: string; since: string }[];
  /** Firing: first failing run of the ongoing streak. Recovery: first failing run of the streak that ended. */
  since: string | null;
}

export function toAlarmEvent(transition: AlarmTransition, config: NotifyConfig, route: RouteName, location: string, triggeringAlarms: readonly string[] = [], context?: FailureContext): AlarmEvent {
  const recovery = transition.to === 'OK';
  return buildAlarmEvent({
    config,
    route,
    alarmName: transition.alarmName,
    state: transition.to,
    previousState: transition.from,
    reason: transition.reason,
    changedAt: transition.at,
    // Down since the first failing run (from the stored results, so a restart does not reset it).
    downSince: recovery && transition.from === 'ALARM' ? (context?.since ?? transition.alarmSince) : transition.alarmSince,
    alarmRegion: location,
    metricRegions: [location],
    description: '',
    alarmArn: null,
    triggeringAlarms,
    ...(context && !recovery ? { failures: context.failures, failingSince: context.since } : {}),
  });
}

export function consoleNotifier(write: (text: string) => void, colour = false): Notifier {
  return {
    notify(event, route) {
      write(`── ${route} ──\n${formatConsole(event, colour)}`);
      return Promise.resolve(null);
    },
  };
}

export interface WebhookNotifierOptions {
  config: NotifyConfig;
  secrets: SecretProvider;
  redactor: Redactor;
  pagerDutyUrl?: string;
  /** Delivery problems: the monitor keeps running and says so. */
  onError: (message: string) => void;
  onDelivered?: (event: AlarmEvent, outcomes: DispatchOutcome[]) => void;
}

/** Delivers along the route the alarm's topic would take in AWS, with the notify function's rules. */
export function webhookNotifier(options: WebhookNotifierOptions): Notifier {
  return {
    async notify(event, route, delivery) {
      try {
        const outcomes = await dispatch(
          event,
          options.config.routes[route],
          {
            secrets: options.secrets,
            deliver: { redactor: options.redactor },
            ...(options.pagerDutyUrl ? { pagerDutyUrl: options.pagerDutyUrl } : {}),
            ...(delivery ? { notificationId: delivery.id, delivered: { ledger: delivery.ledger, messageId: delivery.id } } : {}),
            ...(delivery?.recoveryDestinations ? { recoveryDestinations: delivery.recoveryDestinations } : {}),
          },
          recoveryPagerDutySecrets(event, route, options.config),
        );
        options.onDelivered?.(event, outcomes);
        return null;
      } catch (error) {
        const message = options.redactor.redact(error instanceof Error ? error.message : String(error));
        options.onError(message);
        const destinations = error instanceof NotifyDeliveryError ? error.outcomes.filter((o) => !o.ok).map((o) => o.destination) : [];
        return { destinations, error: message };
      }
    },
  };
}

/** Whether the fleet names any webhook or PagerDuty key the monitor could deliver to. */
export function hasWebhookDestinations(config: NotifyConfig): boolean {
  return (['pager', 'chat'] as const).some((r) => config.routes[r].webhooks.length > 0 || config.routes[r].pagerDutyRoutingKeySecret !== null);
}
