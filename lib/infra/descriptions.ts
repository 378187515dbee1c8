// Alarm descriptions carry what on-call needs in one place. CloudWatch caps a description
// at 1024 characters, so the long free-text fields give way first and the facts that
// identify the alarm (what, whose, where to look) always survive.
import type { Check } from '../model/fleet.js';

export const MAX_DESCRIPTION_CHARS = 1024;

export interface DescriptionFacts {
  /** First line: what this alarm means, e.g. `checkout-health fails in ≥ 2 of 3 regions`. */
  summary: string;
  check?: Pick<Check, 'name' | 'service' | 'owner' | 'expect' | 'runbook' | 'rollbackNote'>;
  environment?: string;
  dashboardUrl: string;
  /** Extra lines (e.g. the list of checks of a service composite). */
  details?: string[];
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return max <= 1 ? text.slice(0, max) : `${text.slice(0, max - 1)}…`;
}

/**
 * Lines are added in a fixed order; when the total would pass the limit, the flexible
 * fields (expectation, rollback note, details) are clipped so that owner, runbook and
 * dashboard link — the things a person acts on — are never cut.
 */
export function alarmDescription(facts: DescriptionFacts): string {
  const fixed: string[] = [];
  const flexible: { label: string; text: string }[] = [];
  const check = facts.check;
  if (check) {
    fixed.push(`Check: ${check.name}${facts.environment ? ` (${facts.environment})` : ''}`);
    fixed.push(`Service: ${check.service} · Owner: ${check.owner}`);
    fixed.push(`Runbook: ${check.runbook}`);
    flexible.push({ label: 'Expected: ', text: check.expect });
    flexible.push({ label: 'Rollback: ', text: check.rollbackNote });
  }
  fixed.push(`Dashboard: ${facts.dashboardUrl}`);
  for (const line of facts.details ?? []) flexible.push({ label: '', text: line });

  const head = clip(facts.summary, 400);
  const fixedText = fixed.map((line) => clip(line, 300));
  let used = head.length + fixedText.reduce((n, line) => n + line.length + 1, 0);
  const flexText: string[] = [];
  for (const { label, text } of flexible) {
    const room = MAX_DESCRIPTION_CHARS - used - 1;
    if (room < label.length + 8) {
      if (room >= 1) flexText.push('…');
      break;
    }
    const line = label + clip(text, room - label.length);
    flexText.push(line);
    used += line.length + 1;
  }
  // Identity first, then the flexible lines, then the dashboard link last where eyes land.
  const dashboard = fixedText.pop() ?? '';
  const text = [head, ...fixedText, ...flexText, dashboard].join('\n');
  return clip(text, MAX_DESCRIPTION_CHARS);
}
