// The shared flag readers: durations every command parses the same way, with bounds a timer can hold.
import { describe, expect, it } from 'vitest';
import { durationFlag, formatDuration, MAX_TIMER_MS, parseDuration } from '../../lib/cli/args.js';
import { deadlineFlag, MAX_DEADLINE_MS } from '../../lib/cli/runFlags.js';

describe('parseDuration', () => {
  const cases: { text: string; ms: number | null }[] = [
    { text: '500ms', ms: 500 },
    { text: '90', ms: 90_000 },
    { text: '2m', ms: 120_000 },
    { text: '1h', ms: 3_600_000 },
    { text: '0', ms: null },
    { text: 'soon', ms: null },
    { text: '-5s', ms: null },
    // 597h is past 2^31 - 1 ms: a Node timer would fire at once instead of waiting.
    { text: '597h', ms: null },
    { text: `${MAX_TIMER_MS}ms`, ms: MAX_TIMER_MS },
    { text: `${MAX_TIMER_MS + 1}ms`, ms: null },
  ];
  for (const c of cases) {
    it(`${c.text} → ${String(c.ms)}`, () => {
      expect(parseDuration(c.text)).toBe(c.ms);
    });
  }
});

describe('formatDuration', () => {
  it('uses the largest unit that divides the duration', () => {
    expect([86_400_000, 120_000, 90_000, 1500].map(formatDuration)).toEqual(['24h', '2m', '90s', '1500ms']);
  });
});

describe('--deadline', () => {
  const cases: { name: string; text: string; result: { value: number } | { error: string } }[] = [
    { name: 'a minute', text: '1m', result: { value: 60_000 } },
    { name: 'exactly the 24h cap', text: '24h', result: { value: MAX_DEADLINE_MS } },
    {
      name: 'past the cap',
      text: '25h',
      result: { error: 'invalid --deadline: expected a duration from 1ms to 24h, such as 90s, 2m or 1500ms, received "25h"' },
    },
    {
      name: 'past what a timer can hold (was: every check failed at once as deadline)',
      text: '600h',
      result: { error: 'invalid --deadline: expected a duration from 1ms to 24h, such as 90s, 2m or 1500ms, received "600h"' },
    },
    {
      name: 'unreadable',
      text: 'soon',
      result: { error: 'invalid --deadline: expected a positive duration from 1ms to 24h, such as 90s, 2m or 1500ms, received "soon"' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(deadlineFlag(c.text, 120_000)).toEqual(c.result);
    });
  }

  it('falls back to the default when absent', () => {
    expect(deadlineFlag(undefined, 120_000)).toEqual({ value: 120_000 });
  });
});

describe('durationFlag', () => {
  it('never allows more than a timer can hold, whatever the caller asks', () => {
    expect(durationFlag('--period', '700h', { max: Number.MAX_SAFE_INTEGER, examples: '2s' })).toEqual({
      error: `invalid --period: expected a duration from 1ms to ${MAX_TIMER_MS}ms, such as 2s, received "700h"`,
    });
  });

  it('enforces a minimum', () => {
    expect(durationFlag('--period', '50ms', { min: 100, max: 3_600_000, examples: '2s' })).toEqual({
      error: 'invalid --period: expected a duration from 100ms to 1h, such as 2s, received "50ms"',
    });
  });
});
