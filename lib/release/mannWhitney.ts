// One-sided Mann-Whitney U test: is the first sample (the canary) stochastically larger
// (slower) than the second (the baseline)? Kayenta judges canary latency this way because
// latency distributions are skewed and a percentile ratio alone reacts to noise.

export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, ties counting one half. */
  u: number;
  /** P(U >= u) under the null hypothesis that both samples come from one distribution. */
  pValue: number;
  /** `exact` (no ties, small samples: the permutation distribution) or `normal` (tie and continuity corrected). */
  method: 'exact' | 'normal';
  n1: number;
  n2: number;
}

/** Above this many pairs the exact distribution costs more than it is worth; the normal approximation is good there. */
const EXACT_MAX_PAIRS = 2500;

/**
 * Tests whether `x` tends to be greater than `y`. Ties get mid-ranks; with ties, or for large
 * samples, the p-value comes from the normal approximation with tie and continuity correction
 * (the same as scipy's `mannwhitneyu(x, y, alternative='greater', method='asymptotic')`).
 */
export function mannWhitneyGreater(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError(`Mann-Whitney needs two non-empty samples, received sizes ${n1} and ${n2}`);
  const { rankSumX, tieTerm, hasTies } = rank(x, y);
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  if (!hasTies && n1 * n2 <= EXACT_MAX_PAIRS) {
    return { u, pValue: exactUpperTail(n1, n2, u), method: 'exact', n1, n2 };
  }
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) {
    // Every value is equal: nothing suggests either sample is larger.
    return { u, pValue: 1, method: 'normal', n1, n2 };
  }
  const z = (u - mean - 0.5) / Math.sqrt(variance);
  return { u, pValue: clamp01(1 - normalCdf(z)), method: 'normal', n1, n2 };
}

function rank(x: readonly number[], y: readonly number[]): { rankSumX: number; tieTerm: number; hasTies: boolean } {
  const all = [...x.map((value) => ({ value, fromX: true })), ...y.map((value) => ({ value, fromX: false }))];
  all.sort((a, b) => a.value - b.value);
  let rankSumX = 0;
  let tieTerm = 0;
  let hasTies = false;
  let i = 0;
  while (i < all.length) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.value === all[i]!.value) j++;
    const size = j - i + 1;
    // Ranks are 1-based; a run of ties from i to j shares the mean of ranks i+1..j+1.
    const midRank = (i + 1 + j + 1) / 2;
    for (let k = i; k <= j; k++) if (all[k]!.fromX) rankSumX += midRank;
    if (size > 1) {
      hasTies = true;
      tieTerm += size ** 3 - size;
    }
    i = j + 1;
  }
  return { rankSumX, tieTerm, hasTies };
}

/** P(U >= u) from the exact null distribution of U (counts of arrangements, by dynamic programming). */
function exactUpperTail(n1: number, n2: number, u: number): number {
  // counts[j][k]: arrangements of i x-values and j y-values with U = k, built up over i.
  const maxU = n1 * n2;
  let previous: Float64Array[] = [];
  for (let j = 0; j <= n2; j++) {
    const row = new Float64Array(maxU + 1);
    row[0] = 1; // i = 0: U is 0 whatever j is
    previous.push(row);
  }
  for (let i = 1; i <= n1; i++) {
    const current: Float64Array[] = [];
    for (let j = 0; j <= n2; j++) {
      const row = new Float64Array(maxU + 1);
      // Either the largest value is an x (it beats all j y-values) or a y (it adds nothing).
      const withX = previous[j]!;
      const withY = j > 0 ? current[j - 1]! : null;
      for (let k = 0; k <= i * j; k++) {
        row[k] = (k >= j ? withX[k - j]! : 0) + (withY ? withY[k]! : 0);
      }
      current.push(row);
    }
    previous = current;
  }
  const counts = previous[n2]!;
  let total = 0;
  let tail = 0;
  for (let k = 0; k <= maxU; k++) {
    total += counts[k]!;
    if (k >= u - 1e-9) tail += counts[k]!;
  }
  return clamp01(tail / total);
}

/** Standard normal CDF via the complementary error function (Numerical Recipes' erfc, |error| < 1.2e-7). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
