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
import { CHAT_TOPIC, DASHBOARD, PAGER_TOPIC, alarmMessage, compositeMessage, shopFleet } from './fixtures.js';

const config = buildNotifyConfig(shopFleet(), { dashboardUrl: DASHBOARD, pagerTopicArn: PAGER_TOPIC, chatTopicArn: CHAT_TOPIC });
const firing = parseAlarmMessage(alarmMessage({ name: 'probe-fleet/shop/availability/health', state: 'ALARM', old: 'OK' }), { config, route: 'pager' });
const recovered = parseAlarmMessage(
  alarmMessage({ name: 'probe-fleet/shop/availability/health', state: 'OK', old: 'ALARM', at: '2026-11-22T00:52:30.000+0000', previousAt: '2026-11-22T00:10:30.000+0000' }),
  { config, route: 'pager' },
);
const warning = parseAlarmMessage(alarmMessage({ name: 'probe-fleet/shop/availability/products', state: 'ALARM', old: 'OK' }), { config, route: 'chat' });

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
