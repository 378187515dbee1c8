import { describe, expect, it } from 'vitest';
import { SCHEDULE_FORMAT, ScheduleError, cronPeriodSeconds, nextRunAfter, parseSchedule, scheduleProblem } from '../../lib/config/schedule.js';
import { validateFleet } from '../../lib/config/validate.js';
import { CRON_FORMAT } from '../../lib/config/cron.js';
import { FIXED_SCHEDULES, periodSecondsOf } from '../../lib/config/schedulePeriod.js';
import type { Schedule } from '../../lib/model/fleet.js';

describe('parseSchedule', () => {
  it.each([
    { text: '1m', kind: 'rate', expression: 'rate(1 minute)', periodSeconds: 60 },
    { text: '2m', kind: 'rate', expression: 'rate(2 minutes)', periodSeconds: 120 },
    { text: '5m', kind: 'rate', expression: 'rate(5 minutes)', periodSeconds: 300 },
    { text: '10m', kind: 'rate', expression: 'rate(10 minutes)', periodSeconds: 600 },
    { text: '15m', kind: 'rate', expression: 'rate(15 minutes)', periodSeconds: 900 },
    { text: '30m', kind: 'rate', expression: 'rate(30 minutes)', periodSeconds: 1800 },
    { text: '1h', kind: 'rate', expression: 'rate(1 hour)', periodSeconds: 3600 },
    { text: 'cron(0/5 * * * ? *)', kind: 'cron', expression: 'cron(0/5 * * * ? *)', periodSeconds: 300 },
    { text: 'cron(*/10 * * * ? *)', kind: 'cron', expression: 'cron(*/10 * * * ? *)', periodSeconds: 600 },
    { text: 'cron(  0/5   * * * ? * )', kind: 'cron', expression: 'cron(0/5 * * * ? *)', periodSeconds: 300 },
    { text: 'cron(0,10 * * * ? *)', kind: 'cron', expression: 'cron(0,10 * * * ? *)', periodSeconds: 600 },
    { text: 'cron(0 8-18/2 ? * MON-FRI *)', kind: 'cron', expression: 'cron(0 8-18/2 ? * MON-FRI *)', periodSeconds: 7200 },
    { text: 'cron(0 9 ? * MON-FRI *)', kind: 'cron', expression: 'cron(0 9 ? * MON-FRI *)', periodSeconds: 86_400 },
    { text: 'cron(15 6 * JAN-MAR ? *)', kind: 'cron', expression: 'cron(15 6 * JAN-MAR ? *)', periodSeconds: 86_400 },
    { text: 'cron(0 0 L * ? *)', kind: 'cron', expression: 'cron(0 0 L * ? *)', periodSeconds: 28 * 86_400 },
    { text: 'cron(0 0 ? * 1 *)', kind: 'cron', expression: 'cron(0 0 ? * 1 *)', periodSeconds: 7 * 86_400 },
  ])('$text → $expression every $periodSeconds s', ({ text, kind, expression, periodSeconds }) => {
    expect(parseSchedule(text)).toEqual({ ok: true, schedule: { kind, expression, periodSeconds } });
  });

  it.each([
    { name: 'unsupported period', text: '3m', reason: /^expected one of 1m, 2m, 5m, 10m, 15m, 30m, 1h or cron\(/ },
    { name: 'free text', text: 'every 5 minutes', reason: /^expected one of/ },
    { name: 'rate expression', text: 'rate(5 minutes)', reason: /^rate expressions are written as a fixed period/ },
    { name: 'five fields', text: 'cron(0 * * * ?)', reason: /^expected 6 fields \(cron\(minutes hours day-of-month month day-of-week year\)\), received 5$/ },
    { name: 'no ?', text: 'cron(* * * * * *)', reason: /^exactly one of day-of-month and day-of-week must be "\?", received "\*" and "\*"$/ },
    { name: 'two ?', text: 'cron(0 0 ? * ? *)', reason: /^exactly one of day-of-month and day-of-week must be "\?"/ },
    { name: 'hour 25', text: 'cron(0 25 * * ? *)', reason: /^hours: expected 0-23, received 25$/ },
    { name: 'month 13', text: 'cron(0 0 ? 13 MON *)', reason: /^month: expected 1-12, received 13$/ },
    { name: 'weekday 8', text: 'cron(0 0 ? * 8 *)', reason: /^day-of-week: expected 1-7, received 8$/ },
    { name: 'unknown weekday name', text: 'cron(0 0 ? * FOO *)', reason: /^day-of-week: expected a number 1-7 or SUN-SAT, received "FOO"$/ },
    { name: 'sixth weekday of a month', text: 'cron(0 0 ? * MON#6 *)', reason: /^day-of-week: expected 1-5 after #/ },
    { name: 'W past the 31st', text: 'cron(0 0 32W * ? *)', reason: /^day-of-month: expected 1-31 before W/ },
    { name: 'L inside a list', text: 'cron(0 0 1,L * ? *)', reason: /stand alone/ },
    { name: 'descending range', text: 'cron(5-1 * * * ? *)', reason: /^minutes: expected a range from low to high, received "5-1"$/ },
    { name: 'zero step', text: 'cron(0/0 * * * ? *)', reason: /^minutes: expected a positive step after "\/", received "0"$/ },
    { name: 'year before 1970', text: 'cron(0 0 * * ? 1960)', reason: /^year: expected 1970-2199, received 1960$/ },
    { name: 'empty list item', text: 'cron(0,,5 * * * ? *)', reason: /^minutes: empty item in list/ },
    { name: 'never fires', text: 'cron(0 0 30 2 ? *)', reason: /never fires/ },
    { name: 'fires once', text: 'cron(0 0 1 1 ? 2030)', reason: /fires only once/ },
  ])('rejects $name', ({ text, reason }) => {
    const result = parseSchedule(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('nextRunAfter (UTC)', () => {
  it.each<{ name: string; schedule: Schedule; after: string; next: string }>([
    { name: 'fixed 5m mid-period', schedule: '5m', after: '2026-11-21T10:02:30Z', next: '2026-11-21T10:05:00.000Z' },
    { name: 'fixed 1h on the hour is strictly after', schedule: '1h', after: '2026-11-21T10:00:00Z', next: '2026-11-21T11:00:00.000Z' },
    { name: 'fixed 1m crosses midnight', schedule: '1m', after: '2026-12-31T23:59:59.999Z', next: '2027-01-01T00:00:00.000Z' },
    { name: 'every 5 minutes', schedule: 'cron(0/5 * * * ? *)', after: '2026-11-21T10:02:30Z', next: '2026-11-21T10:05:00.000Z' },
    { name: 'every 5 minutes on a firing', schedule: 'cron(0/5 * * * ? *)', after: '2026-11-21T10:05:00Z', next: '2026-11-21T10:10:00.000Z' },
    { name: 'offset steps', schedule: 'cron(7/20 * * * ? *)', after: '2026-11-21T10:28:00Z', next: '2026-11-21T10:47:00.000Z' },
    { name: 'weekdays from a Saturday', schedule: 'cron(0 9 ? * MON-FRI *)', after: '2026-11-21T10:00:00Z', next: '2026-11-23T09:00:00.000Z' },
    { name: 'weekday list by number', schedule: 'cron(30 6 ? * 1,4 *)', after: '2026-11-20T00:00:00Z', next: '2026-11-22T06:30:00.000Z' },
    { name: 'last day of a leap February', schedule: 'cron(0 0 L * ? *)', after: '2024-02-10T00:00:00Z', next: '2024-02-29T00:00:00.000Z' },
    { name: 'last day of a plain February', schedule: 'cron(0 0 L * ? *)', after: '2025-02-10T00:00:00Z', next: '2025-02-28T00:00:00.000Z' },
    { name: 'third Friday', schedule: 'cron(0 12 ? * 6#3 *)', after: '2026-11-01T00:00:00Z', next: '2026-11-20T12:00:00.000Z' },
    { name: 'third Friday, the next month when passed', schedule: 'cron(0 12 ? * FRI#3 *)', after: '2026-11-20T12:00:00Z', next: '2026-12-18T12:00:00.000Z' },
    { name: 'last Monday', schedule: 'cron(0 12 ? * 2L *)', after: '2026-11-01T00:00:00Z', next: '2026-11-30T12:00:00.000Z' },
    { name: 'weekday nearest a Sunday 15th', schedule: 'cron(0 0 15W * ? *)', after: '2026-11-01T00:00:00Z', next: '2026-11-16T00:00:00.000Z' },
    { name: 'weekday nearest a Saturday 1st stays in the month', schedule: 'cron(0 0 1W * ? *)', after: '2026-07-15T00:00:00Z', next: '2026-08-03T00:00:00.000Z' },
    { name: 'weekday nearest a Sunday 31st stays in the month', schedule: 'cron(0 0 31W * ? *)', after: '2027-01-15T00:00:00Z', next: '2027-01-29T00:00:00.000Z' },
    { name: 'last weekday of a month ending on Sunday', schedule: 'cron(0 0 LW * ? *)', after: '2027-01-15T00:00:00Z', next: '2027-01-29T00:00:00.000Z' },
    { name: 'New Year across the year boundary', schedule: 'cron(0 0 1 1 ? *)', after: '2026-12-31T23:59:30Z', next: '2027-01-01T00:00:00.000Z' },
    { name: 'only some years', schedule: 'cron(0 0 1 JAN ? 2028-2030)', after: '2026-06-01T00:00:00Z', next: '2028-01-01T00:00:00.000Z' },
    { name: 'hour ranges with steps', schedule: 'cron(0 8-18/2 ? * MON-FRI *)', after: '2026-11-23T18:00:00Z', next: '2026-11-24T08:00:00.000Z' },
  ])('$name', ({ schedule, after, next }) => {
    expect(nextRunAfter(schedule, new Date(after)).toISOString()).toBe(next);
  });

  it('throws a ScheduleError when a cron expression has no further firing', () => {
    expect(() => nextRunAfter('cron(0 0 1 1 ? 2020-2021)', new Date('2026-01-01T00:00:00Z'))).toThrow(ScheduleError);
    expect(() => nextRunAfter('cron(0 0 * * * *)', new Date())).toThrow(/exactly one of day-of-month and day-of-week/);
  });
});

describe('periods', () => {
  it('maps every fixed schedule', () => {
    expect(FIXED_SCHEDULES.map((s) => periodSecondsOf(s))).toEqual([60, 120, 300, 600, 900, 1800, 3600]);
  });

  it('computes cron periods itself, or takes a given evaluator', () => {
    expect(periodSecondsOf('cron(0/15 * * * ? *)')).toBe(900);
    expect(periodSecondsOf('cron(0/15 * * * ? *)', () => 42)).toBe(42);
    expect(cronPeriodSeconds('cron(0 8-18/2 ? * MON-FRI *)')).toBe(7200);
    expect(() => cronPeriodSeconds('cron(0 0 30 2 ? *)')).toThrow(ScheduleError);
  });
});

describe('schedule problems state the expected format once', () => {
  /** How many times `needle` occurs in `text`. */
  const occurrences = (text: string, needle: string): number => text.split(needle).length - 1;

  it.each([
    { text: '3m', message: `expected ${SCHEDULE_FORMAT}, received "3m"` },
    { text: 'every 5 minutes', message: `expected ${SCHEDULE_FORMAT}, received "every 5 minutes"` },
    { text: 'rate(5 minutes)', message: 'rate expressions are written as a fixed period: expected one of 1m, 2m, 5m, 10m, 15m, 30m, 1h, received "rate(5 minutes)"; write "5m"' },
    { text: 'rate(7 minutes)', message: 'rate expressions are written as a fixed period: expected one of 1m, 2m, 5m, 10m, 15m, 30m, 1h, received "rate(7 minutes)"' },
    { text: 'cron(0 * * * ?)', message: `expected 6 fields (${CRON_FORMAT}), received 5, in "cron(0 * * * ?)"` },
    { text: 'cron(0 25 * * ? *)', message: 'hours: expected 0-23, received 25, in "cron(0 25 * * ? *)"' },
    { text: 'cron(0 0 31 2 ? *)', message: 'no date matches every field, so it never fires: expected a cron expression that fires repeatedly, received "cron(0 0 31 2 ? *)"' },
    { text: 'cron(0 0 1 1 ? 2030)', message: 'it fires only once: expected a cron expression that fires repeatedly, received "cron(0 0 1 1 ? 2030)"' },
    { text: 'cron(0 0 * * * *)', message: `exactly one of day-of-month and day-of-week must be "?", received "*" and "*": expected ${CRON_FORMAT} with "?" in day-of-month or day-of-week, received "cron(0 0 * * * *)"` },
  ])('$text', ({ text, message }) => {
    expect(scheduleProblem(text)?.message).toBe(message);
  });

  it('accepts what parseSchedule accepts', () => {
    expect(scheduleProblem('5m')).toBeUndefined();
    expect(scheduleProblem('cron(0 8-18/2 ? * MON-FRI *)')).toBeUndefined();
  });

  // Was: checks[0].schedule: expected one of … with "?" in day-of-month or day-of-week: expected one of … (the same format twice).
  it.each(['3m', 'rate(5 minutes)', 'cron(0 25 * * ? *)', 'cron(0 0 * * * *)', 'cron(0 0 1 1 ? 2030)'])('a fleet whose schedule is %s gets one line naming the format at most once', (schedule) => {
    const result = validateFleet({
      name: 'shop',
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      environments: { production: { baseUrl: 'https://api.example.com' } },
      checks: [
        {
          kind: 'http', id: 'health', name: 'Health', service: 'api', owner: 'team-api', runbook: 'https://runbooks.example.com/health',
          rollbackNote: 'Roll back.', expect: 'GET /health answers 200.', severity: 'critical', url: '/health', schedule,
        },
      ],
    });
    expect(result.ok).toBe(false);
    const lines = result.ok ? [] : result.diagnostics.filter((d) => d.path === 'checks[0].schedule').map((d) => d.message);
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(occurrences(line, 'expected')).toBeLessThanOrEqual(1);
    expect(occurrences(line, CRON_FORMAT)).toBeLessThanOrEqual(1);
    expect(line).toContain(JSON.stringify(schedule));
  });
});
