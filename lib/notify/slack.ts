// Slack incoming webhook: Block Kit blocks plus a `text` fallback, which Slack shows in
// notifications and to clients that cannot render blocks.
import type { AlarmEvent } from './alarmEvent.js';
import { facts, headline, runbooks } from './alarmEvent.js';

/** Slack's documented limits: header text 150, a section field 2000, a button label 75, at most 10 fields. */
const HEADER_MAX = 150;
const FIELD_MAX = 2000;
const BUTTON_MAX = 75;
const FIELDS_MAX = 10;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Slack mrkdwn treats these three as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

export function formatSlack(event: AlarmEvent): SlackMessage {
  const title = headline(event);
  const all = facts(event);
  // Long prose (reason, rollback) reads better full-width than squeezed into a field.
  const long = new Set(['Failure', 'Failures', 'Reason', 'Rollback', 'Expected']);
  const fields = all
    .filter((f) => !long.has(f.label))
    .slice(0, FIELDS_MAX)
    .map((f) => ({ type: 'mrkdwn', text: clip(`*${f.label}*\n${escapeMrkdwn(f.value)}`, FIELD_MAX) }));
  const prose = all.filter((f) => long.has(f.label));
  const buttons = [
    ...runbooks(event).map((r) => ({ type: 'button', text: { type: 'plain_text', text: clip(r.label, BUTTON_MAX) }, url: r.url })),
    ...(event.dashboardUrl ? [{ type: 'button', text: { type: 'plain_text', text: 'Dashboard' }, url: event.dashboardUrl }] : []),
  ].slice(0, 25);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(title, HEADER_MAX), emoji: true } },
    { type: 'section', fields },
  ];
  for (const p of prose) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*${p.label}*\n${escapeMrkdwn(p.value)}`, 3000) } });
  }
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(`${event.alarmName} · ${event.alarmRegion}`) }] });
  const fallback = [title, ...all.map((f) => `${f.label}: ${f.value}`), ...runbooks(event).map((r) => `${r.label}: ${r.url}`)];
  if (event.dashboardUrl) fallback.push(`Dashboard: ${event.dashboardUrl}`);
  return { text: fallback.join('\n'), blocks };
}
