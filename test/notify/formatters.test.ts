/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk untyped JSON payloads as the receiving provider would */
import { describe, expect, it } from 'vitest';
import { parseAlarmMessage, AlarmMessageError, headline } from '../../lib/notify/alarmEvent.js';
import type { AlarmEvent } from '../../lib/notify/alarmEvent.js';
import { buildNotifyConfig } from '../../lib/notify/notifyConfig.js';
import { formatSlack } from '../../lib/notify/slack.js';
import { formatTeams } from '../../lib/notify/teams.js';
import { formatGoogleChat } from '../../lib/notify/googleChat.js';
import { formatPagerDuty } from '../../lib/notify/pagerDuty.js';
import { formatConsole } from '../../lib/notify/console.js';
import { facts, runbooks } from '../../lib/notify/alarmEvent.js';
import { CHAT_TOPIC, DASHBOARD, PAGER_TOPIC, alarmMessage, compositeMessage, shopFleet, twoCheckServiceFleet } from './fixtures.js';

const config = buildNotifyConfig(shopFleet(), { dashboardUrl: DASHBOARD, pagerTopicArn: PAGER_TOPIC, chatTopicArn: CHAT_TOPIC });
const firing = parseAlarmMessage(alarmMessage({ name: 'probe-fleet/shop/availability/health', state: 'ALARM', old: 'OK' }), { config, route: 'pager' });
const recovered = parseAlarmMessage(
  alarmMessage({ name: 'probe-fleet/shop/availability/health', state: 'OK', old: 'ALARM', at: '2026-11-22T00:52:30.000+0000', previousAt: '2026-11-22T00:10:30.000+0000' }),
  { config, route: 'pager' },
);
const warning = parseAlarmMessage(alarmMessage({ name: 'probe-fleet/shop/availability/products', state: 'ALARM', old: 'OK' }), { config, route: 'chat' });
// Service `api` has two checks; only login's alarm fired the composite.
const serviceConfig = buildNotifyConfig(twoCheckServiceFleet(), { dashboardUrl: DASHBOARD, pagerTopicArn: PAGER_TOPIC, chatTopicArn: CHAT_TOPIC });
const serviceFiring = parseAlarmMessage(compositeMessage('probe-fleet/shop/service/api', 'ALARM', 'OK', [{ alarm: 'probe-fleet/shop/availability/login', state: 'ALARM' }]), { config: serviceConfig, route: 'pager' });
const serviceRecovered = parseAlarmMessage(compositeMessage('probe-fleet/shop/service/api', 'OK', 'ALARM', [{ alarm: 'probe-fleet/shop/availability/login', state: 'OK' }]), { config: serviceConfig, route: 'chat' });

// Documented limits and shapes, written down as checks (Slack Block Kit reference, Adaptive
// Card schema 1.4 + Teams incoming webhook, Google Chat cardsV2, PagerDuty Events API v2).
function assertSlackShape(message: { text: string; blocks: unknown[] }): void {
  expect(typeof message.text).toBe('string');
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  for (const block of message.blocks as Record<string, any>[]) {
    expect(['header', 'section', 'actions', 'context', 'divider']).toContain(block.type);
    if (block.type === 'header') {
      expect(block.text.type).toBe('plain_text');
      expect(block.text.text.length).toBeLessThanOrEqual(150);
    }
    if (block.type === 'section') {
      expect(block.text !== undefined || block.fields !== undefined).toBe(true);
      if (block.fields) {
        expect(block.fields.length).toBeLessThanOrEqual(10);
        for (const f of block.fields) {
          expect(f.type).toBe('mrkdwn');
          expect(f.text.length).toBeLessThanOrEqual(2000);
        }
      }
      if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    }
    if (block.type === 'actions') {
      expect(block.elements.length).toBeLessThanOrEqual(25);
      for (const b of block.elements) {
        expect(b.type).toBe('button');
        expect(b.text.type).toBe('plain_text');
        expect(b.text.text.length).toBeLessThanOrEqual(75);
        expect(b.url).toMatch(/^https:\/\//);
      }
    }
    if (block.type === 'context') expect(block.elements.length).toBeLessThanOrEqual(10);
  }
}

function assertTeamsShape(message: any): void {
  expect(message.type).toBe('message');
  expect(message.attachments).toHaveLength(1);
  const attachment = message.attachments[0];
  expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
  const card = attachment.content;
  expect(card.type).toBe('AdaptiveCard');
  expect(card.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
  expect(card.version).toMatch(/^1\.[0-5]$/);
  for (const element of card.body) {
    expect(['TextBlock', 'FactSet']).toContain(element.type);
    if (element.type === 'TextBlock') expect(typeof element.text).toBe('string');
    if (element.type === 'FactSet') for (const f of element.facts) expect(Object.keys(f).sort()).toEqual(['title', 'value']);
  }
  for (const action of card.actions) {
    expect(action.type).toBe('Action.OpenUrl');
    expect(action.url).toMatch(/^https:\/\//);
    expect(typeof action.title).toBe('string');
  }
}

function assertGoogleChatShape(message: any): void {
  expect(typeof message.text).toBe('string');
  expect(message.cardsV2).toHaveLength(1);
  const { cardId, card } = message.cardsV2[0];
  expect(cardId).toMatch(/^[A-Za-z0-9_-]+$/);
  expect(typeof card.header.title).toBe('string');
  for (const section of card.sections) {
    for (const widget of section.widgets) {
      const keys = Object.keys(widget);
      expect(keys).toHaveLength(1);
      expect(['decoratedText', 'buttonList', 'textParagraph']).toContain(keys[0]);
      if (widget.buttonList) for (const b of widget.buttonList.buttons) expect(b.onClick.openLink.url).toMatch(/^https:\/\//);
      if (widget.decoratedText) expect(typeof widget.decoratedText.text).toBe('string');
    }
  }
}

function assertPagerDutyShape(event: any): void {
  expect(Object.keys(event).every((k) => ['routing_key', 'event_action', 'dedup_key', 'payload', 'links', 'images', 'client', 'client_url'].includes(k))).toBe(true);
  expect(typeof event.routing_key).toBe('string');
  expect(['trigger', 'acknowledge', 'resolve']).toContain(event.event_action);
  expect(event.dedup_key.length).toBeLessThanOrEqual(255);
  if (event.event_action === 'trigger') {
    expect(event.payload.summary.length).toBeGreaterThan(0);
    expect(event.payload.summary.length).toBeLessThanOrEqual(1024);
    expect(event.payload.source.length).toBeGreaterThan(0);
    expect(['critical', 'error', 'warning', 'info']).toContain(event.payload.severity);
    expect(new Date(event.payload.timestamp).toISOString()).toBe(event.payload.timestamp);
    for (const l of event.links) expect(Object.keys(l).sort()).toEqual(['href', 'text']);
  }
}

/** Every fact on-call needs, somewhere in the rendered message. */
const ONCALL_FACTS = ['Health endpoint', 'api', 'eu-west-1', 'us-east-1', '2026-11-22T00:10:30.123Z', 'GET /health answers 200', 'team-api', 'https://runbooks.example/api/health', 'deploy rollback api', DASHBOARD];

describe('alarm message parsing', () => {
  it('joins a metric-math alarm with the check it names', () => {
    expect(firing).toMatchObject({ kind: 'availability', subject: 'health', status: 'firing', regions: ['eu-west-1', 'us-east-1'], severity: 'critical', service: 'api' });
    expect(firing.target?.owner).toBe('team-api (#api-oncall)');
    expect(firing.changedAt).toBe('2026-11-22T00:10:30.123Z');
  });

  it('computes how long a recovered alarm was down', () => {
    expect(recovered.status).toBe('resolved');
    expect(recovered.downForMs).toBe(42 * 60_000);
    expect(headline(recovered)).toBe('[RESOLVED] Health endpoint (api, prod) recovered after 42m');
  });

  it('reads a composite service alarm and names its checks', () => {
    const event = parseAlarmMessage(compositeMessage('probe-fleet/shop/service/api', 'ALARM', 'OK'), { config, route: 'pager' });
    expect(event).toMatchObject({ kind: 'service', service: 'api', status: 'firing', severity: 'critical', regions: ['eu-west-1', 'us-east-1'] });
    expect(event.serviceTargets.map((t) => t.checkId)).toEqual(['health']);
  });

  const fact = (event: AlarmEvent, label: string): string | undefined => facts(event).find((f) => f.label === label)?.value;

  it('names the check(s) that fired a composite, from TriggeringChildren, with their expectation, owner, runbook and rollback', () => {
    expect(serviceFiring.firingTargets.map((t) => t.target)).toEqual(['login']);
    expect(fact(serviceFiring, 'Failing check')).toBe('Login rejects a wrong password (login)');
    expect(fact(serviceFiring, 'Other checks')).toBe('Health endpoint');
    expect(fact(serviceFiring, 'Expected')).toBe('POST /auth/token with a wrong password answers 401');
    expect(fact(serviceFiring, 'Owner')).toBe('team-identity (#identity-oncall)');
    expect(fact(serviceFiring, 'Rollback')).toBe('Switch the auth-v3 flag off.');
    expect(runbooks(serviceFiring)).toEqual([{ label: 'Runbook: Login rejects a wrong password', url: 'https://runbooks.example/api/login' }]);
  });

  it('names every fired check of a composite, each with its own expectation and rollback', () => {
    const both = parseAlarmMessage(
      compositeMessage('probe-fleet/shop/service/api', 'ALARM', 'OK', [
        { alarm: 'probe-fleet/shop/availability/login', state: 'ALARM' },
        { alarm: 'probe-fleet/shop/availability/health', state: 'ALARM' },
      ]),
      { config: serviceConfig, route: 'pager' },
    );
    expect(fact(both, 'Failing checks')).toBe('Login rejects a wrong password (login), Health endpoint (health)');
    expect(fact(both, 'Other checks')).toBeUndefined();
    expect(fact(both, 'Expected')).toBe('Login rejects a wrong password: POST /auth/token with a wrong password answers 401; Health endpoint: GET /health answers 200 with {"status":"ok"}');
    expect(fact(both, 'Rollback')).toContain('Health endpoint: Roll back with `deploy rollback api`');
    expect(fact(both, 'Owner')).toBe('team-identity (#identity-oncall), team-api (#api-oncall)');
  });

  const fallbacks: [string, string][] = [
    ['no TriggeringChildren field', compositeMessage('probe-fleet/shop/service/api', 'ALARM', 'OK', null)],
    ['an empty TriggeringChildren (state set by hand)', compositeMessage('probe-fleet/shop/service/api', 'ALARM', 'OK', [])],
    ['children this fleet did not name', compositeMessage('probe-fleet/shop/service/api', 'ALARM', 'OK', [{ alarm: 'someone-elses-alarm', state: 'ALARM' }])],
    ['a child not in ALARM', compositeMessage('probe-fleet/shop/service/api', 'ALARM', 'OK', [{ alarm: 'probe-fleet/shop/availability/login', state: 'OK' }])],
  ];
  it.each(fallbacks)('a composite with %s lists the service\'s checks as before', (_name, message) => {
    const event = parseAlarmMessage(message, { config: serviceConfig, route: 'pager' });
    expect(event.firingTargets).toEqual([]);
    expect(fact(event, 'Checks')).toBe('Health endpoint, Login rejects a wrong password');
    expect(fact(event, 'Expected')).toBeUndefined();
    expect(fact(event, 'Rollback')).toBeUndefined();
    expect(runbooks(event).map((r) => r.url)).toEqual(['https://runbooks.example/api/health', 'https://runbooks.example/api/login']);
  });

  it('keeps an alarm it did not name, with what the message says', () => {
    const event = parseAlarmMessage(alarmMessage({ name: 'someone-elses-alarm', state: 'ALARM', old: 'OK', mathRegions: [] }), { config, route: 'chat' });
    expect(event).toMatchObject({ kind: null, target: null, severity: 'warning', subject: 'someone-elses-alarm' });
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', 'hello', /expected JSON/],
    ['an array', '[1]', /expected a JSON object/],
    ['no alarm name', '{"NewStateValue":"ALARM"}', /AlarmName/],
    ['an unknown state', '{"AlarmName":"a","NewStateValue":"PANIC"}', /NewStateValue.*PANIC/],
    ['no state', '{"AlarmName":"a"}', /NewStateValue.*received nothing/],
  ];
  it.each(bad)('rejects %s with a clear error', (_name, message, pattern) => {
    let caught: unknown;
    try {
      parseAlarmMessage(message, { config, route: 'chat' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AlarmMessageError);
    expect((caught as AlarmMessageError).kind).toBe('alarm_message_invalid');
    expect((caught as Error).message).toMatch(pattern);
  });
});

const events: [string, AlarmEvent][] = [
  ['firing', firing],
  ['recovered', recovered],
  ['warning', warning],
  ['service (composite) firing', serviceFiring],
  ['service (composite) recovered', serviceRecovered],
];

describe.each(events)('formatters for a %s alarm', (_name, event) => {
  it('Slack: Block Kit blocks with a text fallback', () => assertSlackShape(formatSlack(event)));
  it('Teams: one Adaptive Card attachment', () => assertTeamsShape(formatTeams(event)));
  it('Google Chat: cardsV2', () => assertGoogleChatShape(formatGoogleChat(event)));
  it('PagerDuty: Events API v2', () => assertPagerDutyShape(formatPagerDuty(event, 'R0UT1NGK3Y0000000000000000000000')));
});

describe('message content', () => {
  const renders: [string, (e: AlarmEvent) => string][] = [
    ['slack', (e) => JSON.stringify(formatSlack(e))],
    ['slack fallback text', (e) => formatSlack(e).text],
    ['teams', (e) => JSON.stringify(formatTeams(e))],
    ['googleChat', (e) => JSON.stringify(formatGoogleChat(e))],
    ['pagerDuty', (e) => JSON.stringify(formatPagerDuty(e, 'k'))],
    ['console', (e) => formatConsole(e)],
  ];
  it.each(renders)('%s carries every fact on-call needs', (_name, render) => {
    const text = render(firing);
    for (const fact of ONCALL_FACTS) expect(text).toContain(fact);
  });

  it.each(renders.filter(([n]) => n !== 'pagerDuty'))('%s says how long a recovery was down', (_name, render) => {
    expect(render(recovered)).toContain('42m');
  });

  it('PagerDuty resolves the incident its trigger opened', () => {
    const trigger = formatPagerDuty(firing, 'k')!;
    const resolve = formatPagerDuty(recovered, 'k')!;
    expect(trigger.event_action).toBe('trigger');
    expect(resolve).toEqual({ routing_key: 'k', event_action: 'resolve', dedup_key: trigger.dedup_key });
    expect(trigger.payload?.severity).toBe('critical');
    expect(formatPagerDuty(warning, 'k')?.payload?.severity).toBe('warning');
  });

  it.each(renders)('%s names the check that fired a service alarm, and its runbook and rollback', (_name, render) => {
    const text = render(serviceFiring);
    for (const fact of ['Login rejects a wrong password', 'POST /auth/token with a wrong password answers 401', 'team-identity', 'https://runbooks.example/api/login', 'Switch the auth-v3 flag off.']) expect(text).toContain(fact);
    expect(text).not.toContain('https://runbooks.example/api/health');
  });

  it('PagerDuty ignores INSUFFICIENT_DATA', () => {
    const event = parseAlarmMessage(alarmMessage({ name: 'probe-fleet/shop/availability/health', state: 'INSUFFICIENT_DATA', old: 'OK' }), { config, route: 'pager' });
    expect(formatPagerDuty(event, 'k')).toBeNull();
  });

  it('Slack escapes mrkdwn control characters from check names', () => {
    // plain_text (the header) is shown as is; only mrkdwn parses `<…>` as links and mentions.
    const mrkdwn = JSON.stringify(formatSlack(warning).blocks, (key, value: unknown) => (key === 'text' && typeof value === 'object' && value !== null && (value as { type?: string }).type === 'plain_text' ? undefined : value));
    expect(mrkdwn).toContain('Product list &lt;beta&gt;');
    expect(mrkdwn).not.toContain('<beta>');
  });

  it('a recovery without the time it began says so instead of guessing', () => {
    const event = parseAlarmMessage(alarmMessage({ name: 'probe-fleet/shop/availability/health', state: 'OK', old: 'ALARM' }), { config, route: 'pager' });
    expect(event.downForMs).toBeNull();
    expect(formatSlack(event).text).toContain('Down for: unknown');
  });
});
