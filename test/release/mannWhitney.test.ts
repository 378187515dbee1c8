import { describe, expect, it } from 'vitest';
import { mannWhitneyGreater, normalCdf } from '../../lib/release/mannWhitney.js';

// Reference values computed independently with SciPy 1.17, printed at full precision:
// scipy.stats.mannwhitneyu(x, y, alternative='greater', method=..., use_continuity=True)
// p-values are compared with a relative tolerance: an absolute one (toBeCloseTo) would accept
// anything below 0.0005 for the small p-values that decide a canary.
const RELATIVE_TOLERANCE = 1e-6; // the normal CDF's erfc approximation is good to ~1.2e-7 relative

function expectRelativelyClose(actual: number, expected: number, tolerance = RELATIVE_TOLERANCE): void {
  const relative = Math.abs(actual - expected) / Math.abs(expected);
  expect(relative, `p = ${actual}, expected ${expected} within a relative ${tolerance}`).toBeLessThanOrEqual(tolerance);
}

const cases: { name: string; x: number[]; y: number[]; u: number; p: number; method: 'exact' | 'normal' }[] = [
  { name: 'textbook 5 vs 4, exact', x: [19, 22, 16, 29, 24], y: [20, 11, 17, 12], u: 17, p: 0.05555555555555555, method: 'exact' },
  {
    name: 'equal sizes, exact',
    x: [1.1, 2.3, 3.8, 4.4, 5.9, 6.2, 7.7],
    y: [0.5, 1.9, 2.1, 2.8, 3.3, 4.0, 4.9],
    u: 36,
    p: 0.08245920745920747,
    method: 'exact',
  },
  { name: 'ties force the corrected normal approximation', x: [1, 2, 2, 3, 4, 5, 5, 6], y: [1, 1, 2, 3, 3, 4], u: 33.5, p: 0.11896159431684922, method: 'normal' },
  {
    name: 'a clearly slower canary',
    x: [12, 15, 14, 18, 16, 17, 13, 19, 20, 15, 16, 14, 18, 17, 21],
    y: [11, 12, 10, 13, 12, 14, 11, 12, 13, 10, 12, 11, 13, 12, 14],
    u: 212,
    p: 1.768002683276233e-5,
    method: 'normal',
  },
  {
    name: '40 vs 50 without ties, exact',
    x: Array.from({ length: 40 }, (_, i) => ((i * 37) % 101) + 5.5),
    y: Array.from({ length: 50 }, (_, i) => ((i * 53) % 97) + 0.25),
    u: 1189,
    p: 0.06314772942296963,
    method: 'exact',
  },
  {
    name: '60 vs 70 with ties, normal',
    x: Array.from({ length: 60 }, (_, i) => ((i * 37) % 101) + 5),
    y: Array.from({ length: 70 }, (_, i) => (i * 53) % 97),
    u: 2424.5,
    p: 0.06511348617088794,
    method: 'normal',
  },
];

describe('mannWhitneyGreater', () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = mannWhitneyGreater(c.x, c.y);
      expect(result.u).toBe(c.u);
      expect(result.method).toBe(c.method);
      expectRelativelyClose(result.pValue, c.p);
    });
  }

  it('swapping the samples mirrors U (U1 + U2 = n1 n2)', () => {
    const x = [19, 22, 16, 29, 24];
    const y = [20, 11, 17, 12];
    expect(mannWhitneyGreater(x, y).u + mannWhitneyGreater(y, x).u).toBe(20);
    // The faster sample is not called slower.
    expect(mannWhitneyGreater(y, x).pValue).toBeGreaterThan(0.9);
  });

  it('identical samples give p = 1, not a division by zero', () => {
    const result = mannWhitneyGreater([5, 5, 5], [5, 5, 5, 5]);
    expect(result.pValue).toBe(1);
  });

  it('rejects an empty sample with a message naming the sizes', () => {
    expect(() => mannWhitneyGreater([], [1])).toThrow(/sizes 0 and 1/);
  });

  it('normalCdf matches tabled values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
    expect(normalCdf(-1.6449)).toBeCloseTo(0.05, 4);
  });
});
