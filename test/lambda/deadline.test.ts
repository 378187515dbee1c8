import { describe, it, expect } from 'vitest';
import { invocationDeadlines } from '../../lib/lambda/deadline.js';

describe('invocationDeadlines', () => {
  const scenarios: { name: string; remainingMs: number; periodSeconds: number; marginMs?: number; expected: { windowMs: number; marginMs: number; run: number; publish: number } }[] = [
    { name: 'the period is shorter than the remaining time', remainingMs: 900_000, periodSeconds: 60, expected: { windowMs: 60_000, marginMs: 6_000, run: 54_000, publish: 59_750 } },
    { name: 'the remaining time is shorter than the period', remainingMs: 30_000, periodSeconds: 300, expected: { windowMs: 30_000, marginMs: 3_000, run: 27_000, publish: 29_750 } },
    { name: 'the margin is at least 2 s', remainingMs: 5_000, periodSeconds: 300, expected: { windowMs: 5_000, marginMs: 2_000, run: 3_000, publish: 4_750 } },
    { name: 'the margin is at most 10 s', remainingMs: 900_000, periodSeconds: 3600, expected: { windowMs: 900_000, marginMs: 10_000, run: 890_000, publish: 899_750 } },
    { name: 'an explicit margin wins', remainingMs: 2_000, periodSeconds: 60, marginMs: 1_000, expected: { windowMs: 2_000, marginMs: 1_000, run: 1_000, publish: 1_750 } },
    { name: 'no time left at all', remainingMs: 100, periodSeconds: 60, expected: { windowMs: 100, marginMs: 2_000, run: 0, publish: 0 } },
  ];
  for (const s of scenarios) {
    it(s.name, () => {
      const d = invocationDeadlines(1_000_000, s.remainingMs, s.periodSeconds, s.marginMs);
      expect({ windowMs: d.windowMs, marginMs: d.marginMs, run: d.runDeadline - 1_000_000, publish: d.publishDeadline - 1_000_000 }).toEqual(s.expected);
    });
  }
});
