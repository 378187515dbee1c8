// Error rates as proportions: exact tests on small counts, and the power of the canary's
// error-rate procedure. Synthetic traffic gives tens or hundreds of samples per check, where
// normal approximations to binomial counts are wrong by orders of magnitude (0 or 1 error in
// 100), so every test and every power figure here is exact.

/** ln(n!) exactly summed up to a table bound, Stirling's series beyond it (error far below 1e-12 there). */
const LN_FACTORIAL_TABLE: Float64Array = (() => {
  const table = new Float64Array(1025);
  for (let n = 2; n < table.length; n++) table[n] = table[n - 1]! + Math.log(n);
  return table;
})();

export function lnFactorial(n: number): number {
  if (n < LN_FACTORIAL_TABLE.length) return LN_FACTORIAL_TABLE[n]!;
  const inv = 1 / n;
  const inv2 = inv * inv;
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + inv * (1 / 12 - inv2 * (1 / 360 - inv2 / 1260));
}

export function lnChoose(n: number, k: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  return lnFactorial(n) - lnFactorial(k) - lnFactorial(n - k);
}

/** P(X >= x) for X ~ Binomial(n, p). */
export function binomialUpperTail(x: number, n: number, p: number): number {
  if (x <= 0) return 1;
  if (x > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  const mode = Math.floor((n + 1) * p);
  let sum = 0;
  for (let k = x; k <= n; k++) {
    const term = Math.exp(lnChoose(n, k) + k * lp + (n - k) * lq);
    sum += term;
    // Past the mode the terms only shrink; stop once they no longer move the sum.
    if (k > mode && term < sum * 1e-17) break;
  }
  return Math.min(1, sum);
}

/** The binomial probabilities of 0..n, with negligible tails cut off: pmf[i] is P(X = lo + i). */
export function binomialPmf(n: number, p: number): { lo: number; pmf: Float64Array } {
  if (p <= 0) return { lo: 0, pmf: Float64Array.of(1) };
  if (p >= 1) return { lo: n, pmf: Float64Array.of(1) };
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  const at = (k: number): number => Math.exp(lnChoose(n, k) + k * lp + (n - k) * lq);
  const mode = Math.min(n, Math.floor((n + 1) * p));
  let lo = mode;
  while (lo > 0 && at(lo - 1) > 1e-15) lo--;
  let hi = mode;
  while (hi < n && at(hi + 1) > 1e-15) hi++;
  const pmf = new Float64Array(hi - lo + 1);
  for (let k = lo; k <= hi; k++) pmf[k - lo] = at(k);
  return { lo, pmf };
}

/**
 * One-sided Fisher exact test: is the first group's error proportion greater than the second's?
 * P(A >= a) under the hypergeometric distribution of the 2x2 table with fixed margins
 * (SciPy's `fisher_exact(table, alternative='greater')` on [[a, n1 - a], [b, n2 - b]]).
 */
export function fisherGreater(a: number, n1: number, b: number, n2: number): number {
  const errors = a + b;
  const total = n1 + n2;
  if (errors === 0 || errors === total) return 1;
  const hi = Math.min(errors, n1);
  const denominator = lnChoose(total, n1);
  let sum = 0;
  for (let i = a; i <= hi; i++) sum += Math.exp(lnChoose(errors, i) + lnChoose(total - errors, n1 - i) - denominator);
  return Math.min(1, sum);
}

export interface Counts {
  /** Results judged (skipped ones excluded). */
  runs: number;
  /** Results that did not pass. */
  errors: number;
}

export interface ErrorRateRule {
  /** The error rate the success condition allows: 1 - 0.99 = 0.01 for `>= 0.99`. */
  tolerance: number;
  /** The canary is "worse" only when its error rate exceeds the baseline's by at least this much. */
  minEffect: number;
  /** Significance level of each test: 0.05 is 95 % confidence. */
  alpha: number;
}

export type ErrorRateOutcome = 'ok' | 'canary-worse' | 'both-degraded';

export interface ErrorRateTest {
  outcome: ErrorRateOutcome;
  /** Fisher's exact p-value that the canary errs more often than the baseline. */
  pWorse: number;
  /** Exact binomial p-values that each side's error rate exceeds the tolerance. */
  pCanaryBreach: number;
  pBaselineBreach: number;
}

/**
 * The statistical core of the canary's error-rate verdict, for one check:
 *  - the canary errs more often than the baseline beyond noise (Fisher p < alpha), by at least
 *    minEffect → canary-worse;
 *  - otherwise, both sides err significantly more often than the tolerance, and the canary's
 *    rate is less than minEffect above the baseline's → both-degraded: the service is bad on
 *    both sides and the samples cannot blame the canary. A canary further above the baseline
 *    than that is not called "both degraded" before Fisher's test has the samples to judge
 *    the difference: 10 % beside 2 % must not stop as inconclusive at the first interval;
 *  - otherwise ok. A canary above the tolerance beside a baseline that is not significantly so,
 *    and not yet significantly worse than it, is ok for this measurement: the totals grow every
 *    interval and the next look tells. Judging it against the threshold alone would abort
 *    healthy canaries beside a baseline at the same rate whenever noise put them on opposite
 *    sides of the bar.
 */
export function testErrorRates(canary: Counts, baseline: Counts, rule: ErrorRateRule): ErrorRateTest {
  const pWorse = fisherGreater(canary.errors, canary.runs, baseline.errors, baseline.runs);
  const pCanaryBreach = breachPValue(canary, rule.tolerance);
  const pBaselineBreach = breachPValue(baseline, rule.tolerance);
  const canaryRate = canary.errors / canary.runs;
  const baselineRate = baseline.errors / baseline.runs;
  // A hair of slack so that 3/100 - 1/100 >= 0.02 holds in floating point.
  const meaningfullyHigher = canaryRate > baselineRate && canaryRate - baselineRate >= rule.minEffect - 1e-12;
  let outcome: ErrorRateOutcome = 'ok';
  if (pWorse < rule.alpha && meaningfullyHigher) outcome = 'canary-worse';
  else if (pCanaryBreach < rule.alpha && pBaselineBreach < rule.alpha && !meaningfullyHigher) outcome = 'both-degraded';
  return { outcome, pWorse, pCanaryBreach, pBaselineBreach };
}

function breachPValue(side: Counts, tolerance: number): number {
  // P(X >= errors) at the tolerated rate; with a tolerance of 0 any error is a breach.
  return binomialUpperTail(side.errors, side.runs, tolerance);
}

// ---------------------------------------------------------------------------------------------
// Power of the whole procedure, not of one test: every interval adds `runs` results per side to
// the check's running totals, the test above is applied to the totals, and the analysis aborts
// when the failed measurements exceed failureLimit (Argo). The distribution of the totals and
// of the counters is carried forward exactly, interval by interval.

export interface ProcedurePlan {
  runsPerInterval: number;
  count: number;
  failureLimit: number;
  inconclusiveLimit: number;
  rule: ErrorRateRule;
}

export interface ProcedureOdds {
  abort: number;
  inconclusive: number;
  promote: number;
}

/** Mass below this is dropped from the exact distribution; what is dropped is far below the figures printed. */
const NEGLIGIBLE = 1e-13;

/**
 * The probabilities that one check, whose canary fails with probability `canaryRate` and whose
 * baseline fails with `baselineRate` on every run independently, ends the analysis aborted,
 * inconclusive or promoted.
 */
export function procedureOdds(plan: ProcedurePlan, canaryRate: number, baselineRate: number): ProcedureOdds {
  const { runsPerInterval: r, failureLimit: fl, inconclusiveLimit: il } = plan;
  const layers = (fl + 1) * (il + 1);
  const stepC = binomialPmf(r, canaryRate);
  const stepB = binomialPmf(r, baselineRate);
  // grid[layer][(c - loC) * widthB + (b - loB)]: probability of canary total c, baseline total b,
  // with layer = failed * (il + 1) + inconclusive counters so far.
  let loC = 0;
  let loB = 0;
  let widthC = 1;
  let widthB = 1;
  let grid: Float64Array[] = Array.from({ length: layers }, (_, i) => Float64Array.of(i === 0 ? 1 : 0));
  let abort = 0;
  let inconclusive = 0;
  for (let look = 1; look <= plan.count; look++) {
    const n = look * r;
    // Add one interval's errors on each side (two one-dimensional convolutions).
    const nextWidthC = widthC + stepC.pmf.length - 1;
    const nextWidthB = widthB + stepB.pmf.length - 1;
    const next = grid.map((layer) => {
      const alongC = new Float64Array(nextWidthC * widthB);
      for (let c = 0; c < widthC; c++) {
        for (let b = 0; b < widthB; b++) {
          const p = layer[c * widthB + b]!;
          if (p === 0) continue;
          for (let s = 0; s < stepC.pmf.length; s++) alongC[(c + s) * widthB + b]! += p * stepC.pmf[s]!;
        }
      }
      const both = new Float64Array(nextWidthC * nextWidthB);
      for (let c = 0; c < nextWidthC; c++) {
        for (let b = 0; b < widthB; b++) {
          const p = alongC[c * widthB + b]!;
          if (p === 0) continue;
          for (let s = 0; s < stepB.pmf.length; s++) both[c * nextWidthB + b + s]! += p * stepB.pmf[s]!;
        }
      }
      return both;
    });
    loC += stepC.lo;
    loB += stepB.lo;
    widthC = nextWidthC;
    widthB = nextWidthB;
    // Judge every reachable pair of totals and move its mass to the counters it leads to.
    const critical = criticalValues(n, plan.rule);
    const judged = Array.from({ length: layers }, () => new Float64Array(widthC * widthB));
    for (let c = 0; c < widthC; c++) {
      for (let b = 0; b < widthB; b++) {
        const phase = critical.phase(loC + c, loB + b);
        for (let layer = 0; layer < layers; layer++) {
          const p = next[layer]![c * widthB + b]!;
          if (p < NEGLIGIBLE) continue;
          let failed = Math.floor(layer / (il + 1));
          let incon = layer % (il + 1);
          if (phase === 'Failed') failed++;
          else if (phase === 'Inconclusive') incon++;
          if (failed > fl) abort += p;
          else if (incon > il) inconclusive += p;
          else judged[failed * (il + 1) + incon]![c * widthB + b]! += p;
        }
      }
    }
    ({ grid, loC, loB, widthC, widthB } = crop(judged, loC, loB, widthC, widthB));
  }
  return { abort, inconclusive, promote: Math.max(0, 1 - abort - inconclusive) };
}

function crop(grid: Float64Array[], loC: number, loB: number, widthC: number, widthB: number): { grid: Float64Array[]; loC: number; loB: number; widthC: number; widthB: number } {
  let minC = widthC;
  let maxC = -1;
  let minB = widthB;
  let maxB = -1;
  for (const layer of grid) {
    for (let c = 0; c < widthC; c++) {
      for (let b = 0; b < widthB; b++) {
        if (layer[c * widthB + b]! < NEGLIGIBLE) continue;
        if (c < minC) minC = c;
        if (c > maxC) maxC = c;
        if (b < minB) minB = b;
        if (b > maxB) maxB = b;
      }
    }
  }
  if (maxC < 0) return { grid: grid.map(() => Float64Array.of(0)), loC, loB, widthC: 1, widthB: 1 };
  const w = maxB - minB + 1;
  const h = maxC - minC + 1;
  const out = grid.map((layer) => {
    const cropped = new Float64Array(h * w);
    for (let c = 0; c < h; c++) for (let b = 0; b < w; b++) cropped[c * w + b] = layer[(c + minC) * widthB + b + minB]!;
    return cropped;
  });
  return { grid: out, loC: loC + minC, loB: loB + minB, widthC: h, widthB: w };
}

/**
 * testErrorRates at totals of n runs per side, as thresholds on the counts: the outcome of any
 * pair of totals costs a lookup once the thresholds for its baseline total are known.
 */
export function criticalValues(n: number, rule: ErrorRateRule): { phase(c: number, b: number): 'Successful' | 'Failed' | 'Inconclusive' } {
  const breachFrom = smallestBreach(n, rule);
  const worseFrom = new Map<number, number>();
  const worseThreshold = (b: number): number => {
    let known = worseFrom.get(b);
    if (known !== undefined) return known;
    // Fewest canary errors that are both significant and at least minEffect above b/n.
    let c = Math.max(b + 1, Math.ceil(n * (b / n + rule.minEffect) - 1e-9));
    while (c <= n && fisherGreater(c, n, b, n) >= rule.alpha) c++;
    known = c;
    worseFrom.set(b, known);
    return known;
  };
  return {
    phase(c, b) {
      if (c >= worseThreshold(b)) return 'Failed';
      if (c >= breachFrom && b >= breachFrom && !(c > b && c - b >= n * rule.minEffect - n * 1e-12)) return 'Inconclusive';
      return 'Successful';
    },
  };
}

function smallestBreach(n: number, rule: ErrorRateRule): number {
  if (rule.tolerance <= 0) return 1;
  let x = Math.max(1, Math.floor(n * rule.tolerance));
  while (x <= n && binomialUpperTail(x, n, rule.tolerance) >= rule.alpha) x++;
  return x;
}

/** Power: the probability of aborting that a detectable canary must reach. */
export const DETECTION_POWER = 0.8;

/**
 * The smallest canary error rate that the procedure aborts with probability DETECTION_POWER
 * beside a baseline at `baselineRate`; null when even a canary failing every run is not caught
 * that reliably.
 */
export function detectableRate(plan: ProcedurePlan, baselineRate: number): number | null {
  const caught = (rate: number): boolean => procedureOdds(plan, rate, baselineRate).abort >= DETECTION_POWER;
  if (!caught(1)) return null;
  let lo = baselineRate;
  let hi = 1;
  // Bisection to a relative 1 %: the figure is printed to two significant digits.
  while (hi - lo > Math.max(1e-5, lo * 0.01)) {
    const mid = (lo + hi) / 2;
    if (caught(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The false-abort rate of one check: both sides at the same error rate. */
export function falseAbortRate(plan: ProcedurePlan, rate: number): number {
  return procedureOdds(plan, rate, rate).abort;
}

/**
 * The fewest runs per interval (up to `max`) with which the procedure catches `targetRate`
 * beside a baseline at `baselineRate`; null when even `max` runs do not.
 */
export function runsToDetect(plan: Omit<ProcedurePlan, 'runsPerInterval'>, targetRate: number, baselineRate: number, max: number, min = 1): number | null {
  const catches = (runs: number): boolean => procedureOdds({ ...plan, runsPerInterval: runs }, targetRate, baselineRate).abort >= DETECTION_POWER;
  const start = Math.max(1, min);
  if (catches(start)) return start;
  let lo = start;
  let hi = start;
  while (!catches(hi)) {
    if (hi >= max) return null;
    lo = hi;
    hi = Math.min(max, hi * 2);
  }
  // Power is not strictly monotone in n for exact tests (their saw-tooth); the bisection finds a
  // run count that works, at or near the smallest.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (catches(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Baseline error rates the CLI reports its detection power at. */
export const REPORTED_BASELINE_RATES = [0, 0.005, 0.02] as const;

export interface PowerSummary {
  /** The smallest canary error rate caught with DETECTION_POWER, per baseline error rate (null: not even a canary failing every run). */
  detectable: { baselineRate: number; canaryRate: number | null }[];
  /** The chance that a check whose canary is as good as its baseline aborts the analysis by noise. */
  falseAbort: { rate: number; perCheck: number; anyOf: number; checks: number }[];
}

export function powerSummary(plan: ProcedurePlan, checks: number, baselineRates: readonly number[] = REPORTED_BASELINE_RATES): PowerSummary {
  return {
    detectable: baselineRates.map((baselineRate) => ({ baselineRate, canaryRate: detectableRate(plan, baselineRate) })),
    falseAbort: baselineRates
      .filter((rate) => rate > 0)
      .map((rate) => {
        const perCheck = falseAbortRate(plan, rate);
        // Checks are judged independently; any of them aborting aborts the analysis.
        return { rate, perCheck, anyOf: 1 - (1 - perCheck) ** checks, checks };
      }),
  };
}

export interface PowerTableSpec {
  rows: { runsPerInterval: number; count: number }[];
  baselineRates: number[];
  /** Equal error rates on both sides at which the table also gives the false-abort rate of a check. */
  falseAbortRates: number[];
  failureLimit: number;
  inconclusiveLimit: number;
  rule: ErrorRateRule;
}

/** The schedules docs/release.md tabulates, with the default threshold and limits. */
export const DOCUMENTED_POWER_TABLE: PowerTableSpec = {
  rows: [
    { runsPerInterval: 20, count: 5 },
    { runsPerInterval: 50, count: 5 },
    { runsPerInterval: 112, count: 5 },
    { runsPerInterval: 200, count: 5 },
    { runsPerInterval: 20, count: 10 },
    { runsPerInterval: 50, count: 10 },
    { runsPerInterval: 100, count: 10 },
  ],
  baselineRates: [0, 0.002, 0.005, 0.01, 0.02, 0.05],
  falseAbortRates: [0.005, 0.02],
  failureLimit: 2,
  inconclusiveLimit: 0,
  rule: { tolerance: 0.01, minEffect: 0.01, alpha: 0.05 },
};

function tablePercent(rate: number | null): string {
  if (rate === null) return '—';
  if (rate === 0) return '0%';
  return `${Number((rate * 100).toPrecision(2))}%`;
}

/**
 * A Markdown table: per schedule (rows) and baseline error rate (columns), the smallest canary
 * error rate caught with DETECTION_POWER; then the chance that one check aborts by noise when
 * both sides fail at the same rate.
 */
export function powerTableMarkdown(spec: PowerTableSpec): string {
  const header = `| runs per interval × intervals | ${[...spec.baselineRates.map((r) => `baseline ${tablePercent(r)}`), ...spec.falseAbortRates.map((r) => `false abort, both ${tablePercent(r)}`)].join(' | ')} |`;
  const rule = `|---|${[...spec.baselineRates, ...spec.falseAbortRates].map(() => '---').join('|')}|`;
  const rows = spec.rows.map(({ runsPerInterval, count }) => {
    const plan: ProcedurePlan = { runsPerInterval, count, failureLimit: spec.failureLimit, inconclusiveLimit: spec.inconclusiveLimit, rule: spec.rule };
    const cells = [...spec.baselineRates.map((b) => tablePercent(detectableRate(plan, b))), ...spec.falseAbortRates.map((r) => tablePercent(falseAbortRate(plan, r)))];
    return `| ${runsPerInterval} × ${count} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}
