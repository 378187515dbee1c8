// The statistics behind the canary's error-rate verdict: exact tests checked against SciPy
// (`scipy.stats.fisher_exact(..., alternative='greater')`, `binom.sf`), the power model checked
// against the runtime judgement itself, and the power table in docs/release.md checked against
// the code that computes it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricTally } from '../../lib/release/analysis.js';
import { assessMetric, emptyTally, record } from '../../lib/release/analysis.js';
import type { Totals } from '../../lib/release/canary.js';
import { measureErrorRate } from '../../lib/release/canary.js';
import type { CheckResult } from '../../lib/model/result.js';
import type { ErrorRateRule, ProcedurePlan } from '../../lib/release/proportions.js';
import {
  binomialUpperTail,
  criticalValues,
  detectableRate,
  DOCUMENTED_POWER_TABLE,
  falseAbortRate,
  fisherGreater,
  powerTableMarkdown,
  procedureOdds,
  runsToDetect,
  testErrorRates,
} from '../../lib/release/proportions.js';
import { mulberry32 } from '../support/scriptedDeploy.js';

const RULE: ErrorRateRule = { tolerance: 0.01, minEffect: 0.01, alpha: 0.05 };
const DEFAULT_PLAN: ProcedurePlan = { runsPerInterval: 20, count: 5, failureLimit: 2, inconclusiveLimit: 0, rule: RULE };

function relative(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / expected;
}

describe('exact tests against SciPy', () => {
  const fisher: [number, number, number, number, number][] = [
    [5, 20, 0, 20, 0.023562023562023564],
    [4, 80, 0, 80, 0.0601490205504146],
    [5, 100, 0, 100, 0.029691605234293292],
    [10, 100, 2, 100, 0.016520054662092484],
    [3, 60, 3, 60, 0.6602915413657102],
    [30, 1000, 12, 1000, 0.0036439767535842976],
    [0, 20, 0, 20, 1],
    [1, 20, 3, 20, 0.946985446985447],
    [62, 1650, 34, 1650, 0.0024562744348008334],
  ];
  for (const [a, n1, b, n2, p] of fisher) {
    it(`Fisher (greater) ${a}/${n1} vs ${b}/${n2} = ${p}`, () => {
      expect(relative(fisherGreater(a, n1, b, n2), p)).toBeLessThan(1e-9);
    });
  }
  const binomial: [number, number, number, number][] = [
    [2, 20, 0.01, 0.01685933763565178],
    [1, 20, 0.01, 0.18209306240276915],
    [4, 100, 0.01, 0.018374036444649678],
    [3, 60, 0.01, 0.02242016478883543],
    [10, 1000, 0.005, 0.03146523851129169],
    [0, 10, 0.5, 1],
    [21, 20, 0.3, 0],
    [50, 5000, 0.01, 0.5190915868050621],
  ];
  for (const [x, n, p, expected] of binomial) {
    it(`P(X >= ${x}) for Binomial(${n}, ${p}) = ${expected}`, () => {
      expect(relative(binomialUpperTail(x, n, p), expected)).toBeLessThan(1e-9);
    });
  }
});

describe('testErrorRates', () => {
  const table: { name: string; canary: [number, number]; baseline: [number, number]; outcome: string }[] = [
    { name: '50% beside 2% is worse, not "both degraded"', canary: [10, 20], baseline: [0, 20], outcome: 'canary-worse' },
    { name: '1 error in 20 beside none is noise', canary: [1, 20], baseline: [0, 20], outcome: 'ok' },
    { name: 'significant but below the 1-point minimum effect is ok', canary: [300, 100_000], baseline: [200, 100_000], outcome: 'ok' },
    { name: 'significant and above the minimum effect is worse', canary: [2_000, 100_000], baseline: [900, 100_000], outcome: 'canary-worse' },
    { name: 'both 5% over 60 runs: both above 1%, not told apart', canary: [3, 60], baseline: [3, 60], outcome: 'both-degraded' },
    { name: 'both above 1% but the canary 8 points higher waits for Fisher instead of "both degraded"', canary: [5, 50], baseline: [1, 50], outcome: 'ok' },
    { name: 'a canary better than a degraded baseline is ok', canary: [0, 100], baseline: [10, 100], outcome: 'ok' },
  ];
  for (const row of table) {
    it(row.name, () => {
      const test = testErrorRates({ errors: row.canary[0], runs: row.canary[1] }, { errors: row.baseline[0], runs: row.baseline[1] }, RULE);
      expect(test.outcome).toBe(row.outcome);
    });
  }

  it('with a tolerance of 0 (>= 1) any error on both sides is a breach', () => {
    const strict = { tolerance: 0, minEffect: 0, alpha: 0.05 };
    expect(testErrorRates({ errors: 1, runs: 20 }, { errors: 1, runs: 20 }, strict).outcome).toBe('both-degraded');
    expect(testErrorRates({ errors: 5, runs: 20 }, { errors: 0, runs: 20 }, strict).outcome).toBe('canary-worse');
  });

  it('the count thresholds the power model uses give the same phase as the test, for every pair of totals', () => {
    for (const rule of [RULE, { tolerance: 0.05, minEffect: 0.02, alpha: 0.01 }, { tolerance: 0, minEffect: 0, alpha: 0.05 }]) {
      for (const n of [20, 60, 100]) {
        const critical = criticalValues(n, rule);
        for (let c = 0; c <= n; c++) {
          for (let b = 0; b <= n; b++) {
            const outcome = testErrorRates({ errors: c, runs: n }, { errors: b, runs: n }, rule).outcome;
            const phase = outcome === 'canary-worse' ? 'Failed' : outcome === 'both-degraded' ? 'Inconclusive' : 'Successful';
            if (critical.phase(c, b) !== phase) expect({ n, c, b, rule, phase: critical.phase(c, b) }).toEqual({ n, c, b, rule, phase });
          }
        }
      }
    }
  });
});

/** One check's results for one interval: `errors` failures among `runs`. */
function results(runs: number, errors: number): CheckResult[] {
  return Array.from({ length: runs }, (_, i) => ({
    checkId: 'products',
    environment: 'production',
    location: 'local',
    runId: 'r',
    startedAt: '2026-11-22T00:00:00.000Z',
    ok: i >= errors,
    degraded: false,
    durationMs: 10,
    phases: { dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 10, transferMs: 0 },
    status: i >= errors ? 200 : 500,
    bytes: 2,
    certDaysRemaining: null,
    assertions: [],
    failure: i >= errors ? null : { kind: 'assertion', message: 'status: expected 200, got 500', retryable: true },
    attempts: 1,
    flaky: false,
  }));
}

/** The runtime judgement (measureErrorRate + the Argo state machine) on simulated coin flips. */
function simulate(plan: ProcedurePlan, canaryRate: number, baselineRate: number, analyses: number, seed: number): { abort: number; inconclusive: number } {
  const random = mulberry32(seed);
  const draw = (rate: number): number => Array.from({ length: plan.runsPerInterval }, () => random() < rate).filter(Boolean).length;
  const judgement = { ...plan.rule, successText: '>= 0.99' };
  let abort = 0;
  let inconclusive = 0;
  for (let i = 0; i < analyses; i++) {
    let totals: Totals = new Map();
    let tally: MetricTally = emptyTally();
    for (let look = 0; look < plan.count; look++) {
      const measured = measureErrorRate(results(plan.runsPerInterval, draw(canaryRate)), results(plan.runsPerInterval, draw(baselineRate)), totals, judgement, 1);
      totals = measured.totals;
      tally = record(tally, measured.measurement.phase);
      const phase = assessMetric(tally, { count: plan.count, failureLimit: plan.failureLimit, inconclusiveLimit: plan.inconclusiveLimit, consecutiveErrorLimit: 4 });
      if (phase === 'Failed') abort++;
      if (phase === 'Inconclusive') inconclusive++;
      if (phase !== 'Running') break;
    }
  }
  return { abort: abort / analyses, inconclusive: inconclusive / analyses };
}

describe('the power model is the runtime procedure', () => {
  // Rates where abort and inconclusive are both far from 0 and 1, so a wrong model shows.
  const cases: { plan: ProcedurePlan; canaryRate: number; baselineRate: number }[] = [
    { plan: DEFAULT_PLAN, canaryRate: 0.1, baselineRate: 0 },
    { plan: { ...DEFAULT_PLAN, runsPerInterval: 50 }, canaryRate: 0.06, baselineRate: 0.02 },
    { plan: { ...DEFAULT_PLAN, runsPerInterval: 30, failureLimit: 0 }, canaryRate: 0.04, baselineRate: 0.04 },
  ];
  for (const [index, row] of cases.entries()) {
    it(`exact odds agree with 2000 simulated analyses: canary ${row.canaryRate} vs baseline ${row.baselineRate}, ${row.plan.runsPerInterval} x ${row.plan.count}, failure limit ${row.plan.failureLimit}`, () => {
      const exact = procedureOdds(row.plan, row.canaryRate, row.baselineRate);
      const simulated = simulate(row.plan, row.canaryRate, row.baselineRate, 2000, 7 + index);
      // Four standard errors of a proportion over 2000 draws (at most 0.045): a model that
      // differs from the procedure shows; seeded, so the comparison is the same on every run.
      for (const key of ['abort', 'inconclusive'] as const) {
        const se = Math.sqrt((Math.max(exact[key], 0.01) * (1 - exact[key])) / 2000);
        expect(Math.abs(simulated[key] - exact[key]), `${key}: exact ${exact[key]}, simulated ${simulated[key]}`).toBeLessThan(4 * se + 1e-9);
      }
    });
  }
});

describe('detection power', () => {
  it('a 0.5% canary beside a 0.5% baseline does not abort by noise at the old default of 20 runs x 5 (the field saw 3 aborts in 8)', () => {
    const perCheck = falseAbortRate(DEFAULT_PLAN, 0.005);
    expect(perCheck).toBeLessThan(1e-4);
    // Four checks, eight analyses: the chance of 3 or more aborts is far below one in a million.
    const perAnalysis = 1 - (1 - perCheck) ** 4;
    const threeOrMoreOfEight = 1 - [0, 1, 2].reduce((sum, k) => sum + comb(8, k) * perAnalysis ** k * (1 - perAnalysis) ** (8 - k), 0);
    expect(threeOrMoreOfEight).toBeLessThan(1e-6);
  });

  it('auto picks the fewest runs that catch the threshold (2% beside 0%) with 80% power: 112 at 5 intervals', () => {
    const { runsPerInterval: _ignored, ...plan } = DEFAULT_PLAN;
    const runs = runsToDetect(plan, 0.02, 0, 1000, 10)!;
    expect(runs).toBe(112);
    expect(procedureOdds({ ...DEFAULT_PLAN, runsPerInterval: runs }, 0.02, 0).abort).toBeGreaterThanOrEqual(0.8);
    expect(procedureOdds({ ...DEFAULT_PLAN, runsPerInterval: runs - 1 }, 0.02, 0).abort).toBeLessThan(0.8);
  });

  it('more runs detect smaller differences; a higher baseline needs a larger canary rate', () => {
    const small = detectableRate(DEFAULT_PLAN, 0)!;
    const large = detectableRate({ ...DEFAULT_PLAN, runsPerInterval: 200 }, 0)!;
    expect(large).toBeLessThan(small);
    expect(detectableRate(DEFAULT_PLAN, 0.02)!).toBeGreaterThan(small);
  });

  it('docs/release.md carries the power table this code computes', () => {
    const table = powerTableMarkdown(DOCUMENTED_POWER_TABLE);
    const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'release.md'), 'utf8');
    expect(docs, `expected docs/release.md to contain:\n${table}`).toContain(table);
  });
});

function comb(n: number, k: number): number {
  let value = 1;
  for (let i = 1; i <= k; i++) value = (value * (n - k + i)) / i;
  return value;
}
