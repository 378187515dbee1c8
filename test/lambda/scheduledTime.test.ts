import { describe, it, expect } from 'vitest';
import { invocationTimestamp } from '../../lib/lambda/scheduledTime.js';
import { firstCronMinuteOfDay, isFirstRunOfUtcDay } from '../../lib/lambda/firstRunOfDay.js';

const at = (iso: string): number => Date.parse(iso);

describe('invocationTimestamp: the scheduled time, validated against the clock', () => {
  const scenarios: { name: string; time: string | undefined; now: string; period?: number; expected: string; source: 'event' | 'clock'; warning?: RegExp }[] = [
    { name: 'a run that starts late in its minute keeps its scheduled minute', time: '2026-11-22T00:05:00Z', now: '2026-11-22T00:05:58.400Z', expected: '2026-11-22T00:05:00.000Z', source: 'event' },
    { name: 'a run whose start slips across the minute boundary still lands in its period', time: '2026-11-22T00:05:00Z', now: '2026-11-22T00:06:01.200Z', expected: '2026-11-22T00:05:00.000Z', source: 'event' },
    { name: 'seconds in the scheduled time are kept (rate rules), milliseconds are not', time: '2026-11-22T00:05:07.250Z', now: '2026-11-22T00:05:09Z', expected: '2026-11-22T00:05:07.000Z', source: 'event' },
    { name: 'an hourly run delivered 50 minutes late keeps its hour', time: '2026-11-22T00:00:00Z', now: '2026-11-22T00:50:00Z', period: 3600, expected: '2026-11-22T00:00:00.000Z', source: 'event' },
    { name: 'no time (an old rule input): the clock, floored to the minute', time: undefined, now: '2026-11-22T00:05:58.400Z', expected: '2026-11-22T00:05:00.000Z', source: 'clock', warning: /received none/ },
    { name: 'an unparsable time', time: 'yesterday', now: '2026-11-22T00:05:58Z', expected: '2026-11-22T00:05:00.000Z', source: 'clock', warning: /received "yesterday"/ },
    { name: 'a time without a zone is not guessed', time: '2026-11-22T00:05:00', now: '2026-11-22T00:05:58Z', expected: '2026-11-22T00:05:00.000Z', source: 'clock', warning: /RFC 3339 UTC/ },
    { name: 'a 1-minute run delivered 6 minutes late belongs to the current minute', time: '2026-11-22T00:05:00Z', now: '2026-11-22T00:11:30Z', period: 60, expected: '2026-11-22T00:11:00.000Z', source: 'clock', warning: /from 300 s before.*received 2026-11-22T00:05:00Z, 390 s before/ },
    { name: 'a time more than 60 s ahead of the clock', time: '2026-11-22T00:10:00Z', now: '2026-11-22T00:05:30Z', expected: '2026-11-22T00:05:00.000Z', source: 'clock', warning: /270 s after/ },
  ];
  for (const s of scenarios) {
    it(s.name, () => {
      const stamp = invocationTimestamp(s.time, at(s.now), s.period ?? 300);
      expect(new Date(stamp.timestamp).toISOString()).toBe(s.expected);
      expect(stamp.source).toBe(s.source);
      if (s.warning) expect(stamp.warning).toMatch(s.warning);
      else expect(stamp.warning).toBeUndefined();
    });
  }
});

describe('the first scheduled run of the UTC day', () => {
  it('rate schedules: the run scheduled within the first period after midnight', () => {
    expect(isFirstRunOfUtcDay(300, undefined, at('2026-11-22T00:03:00Z'))).toBe(true);
    expect(isFirstRunOfUtcDay(300, undefined, at('2026-11-22T00:04:59Z'))).toBe(true);
    expect(isFirstRunOfUtcDay(300, undefined, at('2026-11-22T00:05:00Z'))).toBe(false);
    expect(isFirstRunOfUtcDay(300, undefined, at('2026-11-21T23:59:00Z'))).toBe(false);
    expect(isFirstRunOfUtcDay(3600, undefined, at('2026-11-22T00:42:00Z'))).toBe(true);
  });

  it("cron schedules: the day's first firing, from the smallest hour and minute", () => {
    const businessHours = 'cron(0/5 9-17 ? * MON-FRI *)' as const;
    expect(firstCronMinuteOfDay(businessHours)).toBe(9 * 60);
    expect(firstCronMinuteOfDay('cron(15,45 */6 * * ? *)')).toBe(15);
    expect(firstCronMinuteOfDay('5m')).toBeUndefined();
    const first = firstCronMinuteOfDay(businessHours);
    expect(isFirstRunOfUtcDay(300, first, at('2026-11-23T09:00:00Z'))).toBe(true);
    expect(isFirstRunOfUtcDay(300, first, at('2026-11-23T09:05:00Z'))).toBe(false);
    // The period rule would have waited for a run at midnight, which business hours never have.
    expect(isFirstRunOfUtcDay(300, first, at('2026-11-23T00:00:00Z'))).toBe(false);
  });
});
