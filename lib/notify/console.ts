// The local monitor's plain-text notification: the same facts, one block per state change.
import type { AlarmEvent } from './alarmEvent.js';
import { facts, headline, runbooks } from './alarmEvent.js';

export function formatConsole(event: AlarmEvent, colour = false): string {
  const paint = (code: number, text: string): string => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const title = event.status === 'firing' ? paint(31, headline(event)) : event.status === 'resolved' ? paint(32, headline(event)) : paint(33, headline(event));
  const width = Math.max(...facts(event).map((f) => f.label.length), 7);
  const lines = [title, ...facts(event).map((f) => `  ${f.label.padEnd(width)}  ${f.value}`)];
  for (const r of runbooks(event)) lines.push(`  ${r.label.padEnd(width)}  ${r.url}`);
  if (event.dashboardUrl) lines.push(`  ${'Status'.padEnd(width)}  ${event.dashboardUrl}`);
  return `${lines.join('\n')}\n`;
}
