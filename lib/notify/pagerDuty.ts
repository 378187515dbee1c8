// PagerDuty Events API v2. The dedup_key is the alarm name, so the OK message of an alarm
// resolves exactly the incident its ALARM message opened, whichever container sends it.
import type { AlarmEvent } from './alarmEvent.js';
import { facts, headline, runbooks } from './alarmEvent.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details: Record<string, string>;
  };
  links?: { href: string; text: string }[];
}

/** Null when the event is neither a new alarm nor a recovery: PagerDuty has nothing to do. */
export function formatPagerDuty(event: AlarmEvent, routingKey: string): PagerDutyEvent | null {
  if (event.status === 'info') return null;
  const dedupKey = event.alarmName.slice(0, 255);
  if (event.status === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const details: Record<string, string> = {};
  for (const f of facts(event)) details[f.label] = f.value;
  details['Alarm'] = event.alarmName;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: headline(event).slice(0, 1024),
      source: event.target ? `${event.fleet}/${event.target.target}` : event.certificate ? `${event.fleet}/${event.certificate.endpoint}` : `${event.fleet}/${event.subject}`,
      severity: event.severity === 'critical' ? 'critical' : event.severity === 'warning' ? 'warning' : 'info',
      timestamp: event.changedAt,
      ...(event.service ? { component: event.service } : {}),
      group: event.fleet,
      ...(event.kind ? { class: event.kind } : event.test ? { class: 'test' } : {}),
      custom_details: details,
    },
    links: [
      ...runbooks(event).map((r) => ({ href: r.url, text: r.label })),
      ...(event.dashboardUrl ? [{ href: event.dashboardUrl, text: 'Dashboard' }] : []),
    ],
  };
}
