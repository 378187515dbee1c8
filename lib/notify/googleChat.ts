// Google Chat incoming webhook: a `cardsV2` card, with `text` as the notification preview.
import type { AlarmEvent } from './alarmEvent.js';
import { facts, headline, runbooks } from './alarmEvent.js';

export interface GoogleChatMessage {
  text: string;
  cardsV2: { cardId: string; card: unknown }[];
}

/** Google Chat card text accepts a small HTML subset; everything else must be escaped. */
export function escapeChatHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function formatGoogleChat(event: AlarmEvent): GoogleChatMessage {
  const title = headline(event);
  const buttons = [
    ...runbooks(event).map((r) => ({ text: r.label, onClick: { openLink: { url: r.url } } })),
    ...(event.dashboardUrl ? [{ text: 'Dashboard', onClick: { openLink: { url: event.dashboardUrl } } }] : []),
  ];
  const sections: unknown[] = [
    {
      widgets: facts(event).map((f) => ({ decoratedText: { topLabel: f.label, text: escapeChatHtml(f.value), wrapText: true } })),
    },
  ];
  if (buttons.length > 0) sections.push({ widgets: [{ buttonList: { buttons } }] });
  return {
    text: title,
    cardsV2: [
      {
        cardId: event.alarmName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64),
        card: {
          header: { title: escapeChatHtml(title), subtitle: escapeChatHtml(`${event.alarmName} · ${event.alarmRegion}`) },
          sections,
        },
      },
    ],
  };
}
