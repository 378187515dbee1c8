import { describe, expect, it } from 'vitest';
import { holds, parseCondition } from '../../lib/release/condition.js';
import { leastSquaresTrend, percentile } from '../../lib/release/stats.js';

describe('percentile', () => {
  const table: { values: number[]; p: number; expected: number | null }[] = [
    { values: [], p: 95, expected: null },
    { values: [7], p: 95, expected: 7 },
    // numpy.percentile([1..10], 95) = 9.55
    { values: [10, 1, 2, 3, 4, 5, 6, 7, 8, 9], p: 95, expected: 9.55 },
    { values: [1, 2, 3, 4], p: 50, expected: 2.5 },
    { values: [1, 2, 3, 4], p: 100, expected: 4 },
  ];
  for (const row of table) {
    it(`p${row.p} of [${row.values.join(',')}] is ${row.expected}`, () => {
      const got = percentile(row.values, row.p);
      if (row.expected === null) expect(got).toBeNull();
      else expect(got).toBeCloseTo(row.expected, 9);
    });
  }
});

describe('leastSquaresTrend', () => {
  it('recovers the slope of a line per minute, relative to the mean', () => {
    const points = Array.from({ length: 10 }, (_, i) => ({ t: 1_000_000 + i * 30_000, value: 100 + i * 1.5 }));
    const trend = leastSquaresTrend(points)!;
    expect(trend.slopePerMinute).toBeCloseTo(3, 9);
    expect(trend.mean).toBeCloseTo(106.75, 9);
    expect(trend.relativeSlopePerMinute).toBeCloseTo(3 / 106.75, 9);
  });

  it('a flat, noisy series has a slope near zero', () => {
    const points = Array.from({ length: 40 }, (_, i) => ({ t: i * 15_000, value: 500 + (i % 2 === 0 ? 3 : -3) }));
    expect(Math.abs(leastSquaresTrend(points)!.slopePerMinute)).toBeLessThan(0.5);
  });

  it('needs three points spread in time', () => {
    expect(leastSquaresTrend([{ t: 0, value: 1 }, { t: 1, value: 2 }])).toBeNull();
    expect(leastSquaresTrend([{ t: 5, value: 1 }, { t: 5, value: 2 }, { t: 5, value: 3 }])).toBeNull();
  });
});

describe('parseCondition', () => {
  const table: { text: string; value: number; holds: boolean }[] = [
    { text: '>=0.99', value: 0.99, holds: true },
    { text: '>=0.99', value: 0.95, holds: false },
    { text: ' <= 0.01 ', value: 0.02, holds: false },
    { text: '<1e-2', value: 0.001, holds: true },
    { text: '==1', value: 1, holds: true },
    { text: '!=0', value: 0, holds: false },
    { text: '>.5', value: 0.6, holds: true },
  ];
  for (const row of table) {
    it(`${row.text} on ${row.value} is ${row.holds}`, () => {
      const parsed = parseCondition(row.text);
      if (!parsed.ok) throw new Error(parsed.error);
      expect(holds(parsed.condition, row.value)).toBe(row.holds);
    });
  }

  for (const bad of ['0.99', '=>0.99', '>= ninety', '', '>=0.99 and more']) {
    it(`rejects ${JSON.stringify(bad)} saying what was expected`, () => {
      const parsed = parseCondition(bad);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error).toContain('expected a comparison');
    });
  }
});
