// Microsoft Teams incoming webhook (and Power Automate "post to a channel when a webhook
// request is received"): a `message` with one Adaptive Card attachment.
import type { AlarmEvent } from './alarmEvent.js';
import { facts, headline, runbooks } from './alarmEvent.js';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface TeamsMessage {
  type: 'message';
  attachments: { contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; contentUrl: null; content: AdaptiveCard }[];
}

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: string;
  body: unknown[];
  actions: { type: 'Action.OpenUrl'; title: string; url: string }[];
  msteams: { width: 'Full' };
}

/**
 * Adaptive Card TextBlock and FactSet text is a CommonMark subset (bold, italic, lists, links)
 * plus `{{DATE()}}`/`{{TIME()}}` functions: https://learn.microsoft.com/en-us/adaptive-cards/create/textfeatures
 * A response body or check name must read as written, so CommonMark's backslash escape goes
 * before every character that could start markup, and before list markers at a line start.
 */
export function escapeTeamsMarkdown(text: string): string {
  return text
    .replace(/[\\`*_~[\](){}<>#|!]/g, '\\$&')
    .replace(/^(\s*)([-+])(?=\s)/gm, '$1\\$2')
    .replace(/^(\s*\d+)([.)])(?=\s)/gm, '$1\\$2');
}

export function formatTeams(event: AlarmEvent): TeamsMessage {
  const color = event.status === 'firing' ? 'Attention' : event.status === 'resolved' ? 'Good' : 'Warning';
  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    // 1.4 is what Teams renders everywhere, including mobile.
    version: '1.4',
    body: [
      { type: 'TextBlock', text: escapeTeamsMarkdown(headline(event)), weight: 'Bolder', size: 'Medium', color, wrap: true },
      { type: 'FactSet', facts: facts(event).map((f) => ({ title: escapeTeamsMarkdown(f.label), value: escapeTeamsMarkdown(f.value) })) },
      { type: 'TextBlock', text: escapeTeamsMarkdown(`${event.alarmName} · ${event.alarmRegion}`), isSubtle: true, size: 'Small', wrap: true },
    ],
    actions: [
      ...runbooks(event).map((r) => ({ type: 'Action.OpenUrl' as const, title: r.label, url: r.url })),
      ...(event.dashboardUrl ? [{ type: 'Action.OpenUrl' as const, title: 'Dashboard', url: event.dashboardUrl }] : []),
    ],
    msteams: { width: 'Full' },
  };
  return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }] };
}
