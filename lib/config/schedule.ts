// A check's schedule: one of the fixed periods, or an EventBridge cron expression.
// Both turn into the EventBridge expression the CDK stacks deploy and into a period in
// seconds that alarms and the local monitor use.
import type { Schedule } from '../model/fleet.js';
import { describeReceived } from './collector.js';
import { CRON_FORMAT, nextCronFiring, parseCron, shortestGapSeconds } from './cron.js';
import type { CronSpec } from './cron.js';

export type ParsedSchedule =
  | { kind: 'rate'; periodSeconds: number; expression: string }
  | { kind: 'cron'; expression: string; periodSeconds: number };

/** `expected`, when set, is what the expression should have been instead of the whole format. */
export type ScheduleParse = { ok: true; schedule: ParsedSchedule } | { ok: false; reason: string; expected?: string };

const REPEATING = 'a cron expression that fires repeatedly';

export const FIXED_PERIOD_SECONDS: Readonly<Record<string, number>> = {
  '1m': 60,
  '2m': 120,
  '5m': 300,
  '10m': 600,
  '15m': 900,
  '30m': 1800,
  '1h': 3600,
};

export const SCHEDULE_FORMAT = `one of ${Object.keys(FIXED_PERIOD_SECONDS).join(', ')} or ${CRON_FORMAT} with "?" in day-of-month or day-of-week`;

function rateExpression(seconds: number): string {
  if (seconds % 3600 === 0) {
    const hours = seconds / 3600;
    return `rate(${hours} ${hours === 1 ? 'hour' : 'hours'})`;
  }
  const minutes = seconds / 60;
  return `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
}

// Parsing and the period search are pure; a fleet reuses a handful of expressions many times.
type CronEntry = { spec: CronSpec; periodSeconds: number } | { reason: string; expected?: string };
const cronCache = new Map<string, CronEntry>();

function parseCronCached(expression: string): CronEntry {
  const cached = cronCache.get(expression);
  if (cached) return cached;
  const parsed = parseCron(expression);
  let entry: CronEntry;
  if (!parsed.ok) {
    entry = { reason: parsed.reason };
  } else {
    const gap = shortestGapSeconds(parsed.spec);
    if (gap !== null) entry = { spec: parsed.spec, periodSeconds: gap };
    else if (nextCronFiring(parsed.spec, new Date(Date.UTC(1969, 11, 31))) === null) entry = { reason: 'no date matches every field, so it never fires', expected: REPEATING };
    else entry = { reason: 'it fires only once', expected: REPEATING };
  }
  cronCache.set(expression, entry);
  return entry;
}

export function parseSchedule(text: string): ScheduleParse {
  const fixed = FIXED_PERIOD_SECONDS[text];
  if (fixed !== undefined) return { ok: true, schedule: { kind: 'rate', periodSeconds: fixed, expression: rateExpression(fixed) } };
  if (text.startsWith('rate(')) {
    return { ok: false, reason: `rate expressions are written as a fixed period (${Object.keys(FIXED_PERIOD_SECONDS).join(', ')})` };
  }
  if (!text.startsWith('cron(')) return { ok: false, reason: `expected ${SCHEDULE_FORMAT}` };
  const entry = parseCronCached(text);
  if ('reason' in entry) return entry.expected === undefined ? { ok: false, reason: entry.reason } : { ok: false, reason: entry.reason, expected: entry.expected };
  const expression = `cron(${text.slice(5, -1).trim().split(/\s+/).join(' ')})`;
  return { ok: true, schedule: { kind: 'cron', expression, periodSeconds: entry.periodSeconds } };
}

/** A schedule the fleet definition cannot use, as a validation problem: the format stated once. */
export interface ScheduleProblem {
  expected: string;
  received: string;
  /** The whole sentence. */
  message: string;
}

/**
 * Why `text` is not a schedule, or undefined when it is one. A text that is neither a fixed
 * period nor a cron expression is told the whole format; a cron expression with a bad field is
 * told what that field expects (its own "expected …, received …") and not the whole format
 * again, which would double the line without saying more.
 */
export function scheduleProblem(text: string): ScheduleProblem | undefined {
  const parsed = parseSchedule(text);
  if (parsed.ok) return undefined;
  const received = describeReceived(text);
  if (!text.startsWith('cron(') && !text.startsWith('rate(')) {
    return { expected: SCHEDULE_FORMAT, received, message: `expected ${SCHEDULE_FORMAT}, received ${received}` };
  }
  if (text.startsWith('rate(')) {
    const periods = `one of ${Object.keys(FIXED_PERIOD_SECONDS).join(', ')}`;
    const equivalent = fixedPeriodFor(text);
    const hint = equivalent === undefined ? '' : `; write ${JSON.stringify(equivalent)}`;
    return { expected: periods, received, message: `rate expressions are written as a fixed period: expected ${periods}, received ${received}${hint}` };
  }
  // A field's own "expected …, received …" is the expectation; the expression is named after it.
  const field = /^(?:[^:]*: )?expected (.+), received ([^,;]+)$/.exec(parsed.reason);
  if (field?.[1] !== undefined && field[2] !== undefined) return { expected: field[1], received: field[2], message: `${parsed.reason}, in ${received}` };
  const expected = parsed.expected ?? `${CRON_FORMAT} with "?" in day-of-month or day-of-week`;
  return { expected, received, message: `${parsed.reason}: expected ${expected}, received ${received}` };
}

/** The fixed period a rate expression means, when it is one of them: `rate(5 minutes)` → `5m`. */
function fixedPeriodFor(text: string): string | undefined {
  const match = /^rate\(\s*(\d+)\s+(minutes?|hours?)\s*\)$/.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]) * (match[2]?.startsWith('hour') === true ? 3600 : 60);
  return Object.keys(FIXED_PERIOD_SECONDS).find((key) => FIXED_PERIOD_SECONDS[key] === seconds);
}

/** Thrown when a schedule that validation should have rejected reaches evaluation. */
export class ScheduleError extends Error {
  readonly kind = 'schedule_invalid';
  constructor(
    readonly schedule: string,
    reason: string,
  ) {
    super(`schedule "${schedule}": ${reason}; not retryable, fix the fleet definition`);
  }
}

/**
 * The next run strictly after `after`, in UTC. Fixed periods fire on multiples of the period
 * since the epoch (so `5m` fires at :00, :05, …); cron expressions fire when every field matches.
 */
export function nextRunAfter(schedule: Schedule, after: Date): Date {
  const fixed = FIXED_PERIOD_SECONDS[schedule];
  if (fixed !== undefined) {
    const periodMs = fixed * 1000;
    return new Date((Math.floor(after.getTime() / periodMs) + 1) * periodMs);
  }
  const entry = parseCronCached(schedule);
  if ('reason' in entry) throw new ScheduleError(schedule, entry.reason);
  const next = nextCronFiring(entry.spec, after);
  if (!next) throw new ScheduleError(schedule, `no firing after ${after.toISOString()} (years end at 2199 or at the expression's last year)`);
  return next;
}

/** The shortest gap in seconds between firings of a cron expression (bounded search). */
export function cronPeriodSeconds(expression: string): number {
  const entry = parseCronCached(expression);
  if ('reason' in entry) throw new ScheduleError(expression, entry.reason);
  return entry.periodSeconds;
}
