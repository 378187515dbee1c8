// What on-call reads first: the failing checks' own words, since when they fail, the alarm's
// own severity, and text that reads as written in every format.
import { describe, expect, it } from 'vitest';
import { buildAlarmEvent, facts } from '../../lib/notify/alarmEvent.js';
import type { AlarmEvent } from '../../lib/notify/alarmEvent.js';
import { buildNotifyConfig } from '../../lib/notify/notifyConfig.js';
import { escapeMrkdwn, formatSlack } from '../../lib/notify/slack.js';
import { escapeTeamsMarkdown, formatTeams } from '../../lib/notify/teams.js';
import { escapeChatHtml, formatGoogleChat } from '../../lib/notify/googleChat.js';
import { formatPagerDuty } from '../../lib/notify/pagerDuty.js';
import { recoveryRoute } from '../../lib/notify/handleSnsEvent.js';
import { DASHBOARD, twoCheckServiceFleet } from './fixtures.js';

const config = buildNotifyConfig(twoCheckServiceFleet(), { dashboardUrl: DASHBOARD });
const HOSTILE = 'HTTP 503: [click me](https://evil.example) **now** <!channel> {{DATE(2017-02-14T06:00:00Z)}} & _x_';

function serviceAlarm(route: 'pager' | 'chat', failures = [{ target: 'login', message: HOSTILE, since: '2026-11-22T00:04:00.000Z' }]): AlarmEvent {
  return buildAlarmEvent({
    config,
    route,
    alarmName: 'probe-fleet/shop/service/api',
    state: 'ALARM',
    previousState: 'OK',
    reason: 'in ALARM: probe-fleet/shop/availability/login',
    changedAt: '2026-11-22T00:10:00.000Z',
    downSince: null,
    alarmRegion: 'local',
    metricRegions: ['local'],
    description: '',
    alarmArn: null,
    triggeringAlarms: ['probe-fleet/shop/availability/login'],
    failures,
    failingSince: '2026-11-22T00:04:00.000Z',
  });
}

describe('messages on-call can act on', () => {
  it("a service alarm's page carries the failing check's own failure text and when the failing began", () => {
    const event = serviceAlarm('pager', [{ target: 'login', message: 'network error: connect ECONNREFUSED 127.0.0.1:9', since: '2026-11-22T00:04:00.000Z' }]);
    const f = facts(event);
    const labels = f.map((x) => x.label);
    expect(f.find((x) => x.label === 'Failure')?.value).toBe('Login rejects a wrong password: network error: connect ECONNREFUSED 127.0.0.1:9');
    expect(f.find((x) => x.label === 'Failing since')?.value).toBe('2026-11-22T00:04:00.000Z');
    expect(f.find((x) => x.label === 'Alarm since')?.value).toBe('2026-11-22T00:10:00.000Z');
    // The failure reads before the alarm arithmetic.
    expect(labels.indexOf('Failure')).toBeLessThan(labels.indexOf('Reason'));
    expect(formatPagerDuty(event, 'k')?.payload?.custom_details['Failure']).toContain('ECONNREFUSED');
  });

  const severityCases = [
    { name: 'critical members, pager route', route: 'pager' as const, severity: 'critical' },
    // An environment that does not page sends the service alarm to chat; it is still critical.
    { name: 'critical members, chat route', route: 'chat' as const, severity: 'critical' },
  ];
  for (const c of severityCases) {
    it(`severity comes from the alarm, not the route (${c.name})`, () => {
      expect(serviceAlarm(c.route).severity).toBe(c.severity);
    });
  }

  const escapes: { name: string; escape: (t: string) => string; render: (e: AlarmEvent) => string; forbidden: string[] }[] = [
    { name: 'Slack mrkdwn', escape: escapeMrkdwn, render: (e) => JSON.stringify(formatSlack(e).blocks), forbidden: ['<!channel>'] },
    { name: 'Teams (Adaptive Card CommonMark)', escape: escapeTeamsMarkdown, render: (e) => JSON.stringify(formatTeams(e)), forbidden: ['[click me](', '**now**', '{{DATE('] },
    { name: 'Google Chat card HTML', escape: escapeChatHtml, render: (e) => JSON.stringify(formatGoogleChat(e).cardsV2), forbidden: ['<!channel>'] },
  ];
  for (const c of escapes) {
    it(`${c.name}: a response body with markup reaches the message as text`, () => {
      const rendered = c.render(serviceAlarm('pager'));
      for (const bad of c.forbidden) expect(rendered).not.toContain(bad);
      expect(rendered).toContain(JSON.stringify(c.escape(HOSTILE)).slice(1, -1).slice(0, 20));
    });
  }

  it('Teams escapes: links, emphasis, date functions and list markers', () => {
    expect(escapeTeamsMarkdown('[a](b) *c* _d_ {{DATE(x)}} a\\b')).toBe('\\[a\\]\\(b\\) \\*c\\* \\_d\\_ \\{\\{DATE\\(x\\)\\}\\} a\\\\b');
    expect(escapeTeamsMarkdown('- one\n2. two\nplain - text')).toBe('\\- one\n2\\. two\nplain - text');
  });

  it('PagerDuty carries the text as JSON, unchanged', () => {
    expect(formatPagerDuty(serviceAlarm('pager'), 'k')?.payload?.custom_details['Failure']).toBe(`Login rejects a wrong password: ${HOSTILE}`);
  });
});

describe('recoveries go where the alarm went (notify function)', () => {
  const recovery = (pages: boolean) => {
    const fleet = twoCheckServiceFleet();
    fleet.alerting = { pager: { pagerDutyRoutingKey: { $secret: 'pd-key' } }, chat: { webhooks: [{ kind: 'slack', url: { $secret: 'slack' } }] } };
    fleet.environments = { prod: { baseUrl: 'https://shop.example', pages } };
    const cfg = buildNotifyConfig(fleet, { dashboardUrl: DASHBOARD });
    const event = buildAlarmEvent({ config: cfg, route: 'chat', alarmName: 'probe-fleet/shop/service/api', state: 'OK', previousState: 'ALARM', reason: '', changedAt: '2026-11-22T00:20:00.000Z', downSince: null, alarmRegion: 'eu-west-1', metricRegions: [], description: '', alarmArn: null });
    return { event, where: recoveryRoute(event, 'chat', cfg) };
  };
  const cases = [
    { name: 'paged (environment pages): PagerDuty resolve, no chat', pages: true, alarmRoute: 'pager', webhooks: [], pd: 'pd-key', extra: [] as string[] },
    { name: 'went to chat (environment does not page): chat recovery, no resolve for an incident never opened', pages: false, alarmRoute: 'chat', webhooks: ['slack'], pd: null, extra: [] as string[] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { event, where } = recovery(c.pages);
      expect(event.alarmRoute).toBe(c.alarmRoute);
      expect(where.route.webhooks.map((w) => w.secretName)).toEqual(c.webhooks);
      expect(where.route.pagerDutyRoutingKeySecret).toBe(c.pd);
      expect(where.extraPagerDutySecrets).toEqual(c.extra);
    });
  }
});
