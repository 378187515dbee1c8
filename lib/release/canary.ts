// Canary analysis: every interval, the same checks run against the canary and the baseline;
// each metric (error rate, latency, every CloudWatch query) takes one measurement, and the
// Argo Rollouts state machine in analysis.ts decides promote, abort or inconclusive — as soon
// as the outcome is decided, not at the end of the schedule.
//
// The error rate is judged per check, as statistics: each check's canary and baseline results
// accumulate over the intervals and every measurement asks whether the canary errs more often
// than the baseline beyond noise (Fisher's exact test, with a minimum effect), not whether a
// rate crossed a bar — at 20 runs a bar of 0.99 means "no error at all", and pooled over
// checks a bad endpoint hides among good ones.
import { setMaxListeners } from 'node:events';
import type { CloudWatchMetricSource } from '../model/fleet.js';
import type { CheckResult } from '../model/result.js';
import type { AnalysisLimits, AnalysisPhase, MeasurementPhase, MetricTally } from './analysis.js';
import { assessMetric, assessRun, emptyTally, exitCodeOf, record } from './analysis.js';
import type { MetricFetcher } from './cloudwatchSource.js';
import { alignedWindow, DEFAULT_METRIC_PERIOD_SECONDS } from './cloudwatchSource.js';
import { holds, parseCondition } from './condition.js';
import { parseOffset } from './duration.js';
import { mannWhitneyGreater } from './mannWhitney.js';
import type { Counts, ErrorRateRule } from './proportions.js';
import { testErrorRates } from './proportions.js';
import { percentile } from './stats.js';

export type Target = 'canary' | 'baseline';

export interface LatencyJudgement {
  /** Canary p95 may be at most this many times the baseline's. */
  ratio: number;
  /** Differences below this are noise whatever the ratio (fast endpoints have tiny, jumpy p95s). */
  minDeltaMs: number;
  /** Also require a one-sided Mann-Whitney U test to call the canary slower at `alpha`. */
  mannWhitney: boolean;
  alpha: number;
  percentile: number;
}

export interface ErrorRateJudgement extends ErrorRateRule {
  /** The success condition as written (`>= 0.99`), for reports; `tolerance` is 1 minus its bar. */
  successText: string;
}

export interface CanaryOptions {
  limits: AnalysisLimits;
  intervalMs: number;
  initialDelayMs: number;
  errorRate: ErrorRateJudgement;
  /** Fewer (non-skipped) results of a check, on either side, than this make a measurement inconclusive. */
  minSamples: number;
  latency: LatencyJudgement | null;
  cloudwatch: { sources: CloudWatchMetricSource[]; fetcher: MetricFetcher } | null;
  /** One interval's runs against one target. Throwing makes the measurements of that interval errors. */
  runRound(target: Target, signal: AbortSignal): Promise<CheckResult[]>;
  onInterval?(report: IntervalReport): void;
  signal?: AbortSignal;
  now?: () => number;
  /** Waits between intervals; resolves false when the signal aborts first. Injectable for a virtual clock. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<boolean>;
}

/** How one check fared in one error-rate measurement. */
export type CheckErrorVerdict = 'ok' | 'canary-worse' | 'both-degraded' | 'canary-down' | 'baseline-down' | 'both-down' | 'insufficient' | 'not-run';

export interface CheckErrorRate {
  checkId: string;
  verdict: CheckErrorVerdict;
  phase: MeasurementPhase;
  /** This interval's results. */
  interval: { canary: Counts; baseline: Counts };
  /** The running totals the test judged (intervals with the baseline down left out: nothing to compare with). */
  total: { canary: Counts; baseline: Counts };
  /** Fisher's exact p that the canary errs more often; binomial p of each side above the tolerance. */
  pWorse: number | null;
  pCanaryBreach: number | null;
  pBaselineBreach: number | null;
  detail: string;
}

export type Totals = ReadonlyMap<string, { canary: Counts; baseline: Counts }>;

export interface Measurement {
  metric: string;
  phase: MeasurementPhase;
  /** The judged number (success rate, p95 ratio, query value) when there was one. */
  value: number | null;
  /** One readable line: what was measured, against what. */
  detail: string;
  /** Error rate only: every check's verdict. */
  checks?: CheckErrorRate[];
  /** Error rate only: a side that passed nothing (for every check that decided the phase). */
  cause?: 'canary-down' | 'baseline-down' | 'both-down';
}

export interface IntervalReport {
  index: number;
  startedAt: string;
  measurements: Measurement[];
  /** Each metric's phase after this interval. */
  metricPhases: Record<string, AnalysisPhase>;
  tallies: Record<string, MetricTally>;
  phase: AnalysisPhase;
}

export type CanaryDecision = 'promote' | 'abort' | 'inconclusive' | 'baseline-down';

/** Exit code of a baseline that stayed down past the consecutive-error limit: neither side can be judged, and the stable version needs a person. */
export const EXIT_BASELINE_DOWN = 4;

export interface CanaryReport {
  phase: AnalysisPhase;
  decision: CanaryDecision;
  exitCode: number;
  /** Why it ended: the metric that decided, or "count reached". */
  reason: string;
  limits: AnalysisLimits;
  intervals: IntervalReport[];
  metrics: Record<string, { phase: AnalysisPhase; tally: MetricTally }>;
  interrupted: boolean;
}

export const SUCCESS_RATE = 'success-rate';
export const LATENCY = 'latency';

export async function runCanary(options: CanaryOptions): Promise<CanaryReport> {
  const now = options.now ?? Date.now;
  const stop = new AbortController();
  // Every in-flight check listens on this signal; dozens at once are expected, not a leak.
  setMaxListeners(0, stop.signal);
  const onAbort = (): void => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const metricNames = [SUCCESS_RATE, ...(options.latency ? [LATENCY] : []), ...(options.cloudwatch?.sources.map((s) => `cloudwatch:${s.name}`) ?? [])];
  const tallies = new Map<string, MetricTally>(metricNames.map((m) => [m, emptyTally()]));
  const intervals: IntervalReport[] = [];
  const sleep = options.sleep ?? sleepFor;
  let totals: Totals = new Map();
  // Consecutive error-rate measurements that could not be taken because the baseline was down.
  let baselineDownStreak = 0;
  let phase: AnalysisPhase = 'Running';
  let interrupted = false;

  try {
    if (!(await sleep(options.initialDelayMs, stop.signal))) interrupted = true;
    let next = now();
    while (!interrupted && phase === 'Running') {
      const startedAt = now();
      const measured = await measureInterval(options, totals, stop.signal);
      if (stop.signal.aborted) {
        interrupted = true;
        break;
      }
      const { measurements } = measured;
      totals = measured.totals;
      baselineDownStreak = measurements[0]?.phase === 'Error' && measurements[0].cause === 'baseline-down' ? baselineDownStreak + 1 : 0;
      const metricPhases: Record<string, AnalysisPhase> = {};
      for (const m of measurements) tallies.set(m.metric, record(tallies.get(m.metric)!, m.phase));
      for (const name of metricNames) metricPhases[name] = assessMetric(tallies.get(name)!, options.limits);
      phase = assessRun(Object.values(metricPhases));
      const report: IntervalReport = {
        index: intervals.length + 1,
        startedAt: new Date(startedAt).toISOString(),
        measurements,
        metricPhases,
        tallies: Object.fromEntries([...tallies].map(([k, v]) => [k, { ...v }])),
        phase,
      };
      intervals.push(report);
      options.onInterval?.(report);
      if (phase !== 'Running') break;
      // Intervals start on a fixed schedule; a slow interval delays the next one, never overlaps it.
      next = Math.max(next + options.intervalMs, now());
      if (!(await sleep(next - now(), stop.signal))) interrupted = true;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }

  const metrics = Object.fromEntries(metricNames.map((name) => [name, { phase: assessMetric(tallies.get(name)!, options.limits), tally: tallies.get(name)! }]));
  const final: AnalysisPhase = interrupted && phase === 'Running' ? 'Inconclusive' : phase;
  // Errors past the limit because the baseline was down say nothing against the canary: the
  // reference is broken, and aborting would roll back towards it.
  const baselineDown = final === 'Error' && baselineDownStreak > options.limits.consecutiveErrorLimit;
  return {
    phase: final,
    decision: baselineDown ? 'baseline-down' : final === 'Successful' ? 'promote' : final === 'Failed' || final === 'Error' ? 'abort' : 'inconclusive',
    exitCode: baselineDown ? EXIT_BASELINE_DOWN : exitCodeOf(final),
    reason: baselineDown
      ? `the baseline passed nothing in ${baselineDownStreak} consecutive intervals > consecutive error limit ${options.limits.consecutiveErrorLimit}: no reference to judge the canary against`
      : reasonFor(final, metrics, options.limits, interrupted && phase === 'Running'),
    limits: options.limits,
    intervals,
    metrics,
    interrupted,
  };
}

function reasonFor(phase: AnalysisPhase, metrics: Record<string, { phase: AnalysisPhase; tally: MetricTally }>, limits: AnalysisLimits, interrupted: boolean): string {
  if (interrupted) return 'interrupted before the analysis was decided';
  const deciding = Object.entries(metrics).find(([, m]) => m.phase === phase);
  if (phase === 'Successful') return `${limits.count ?? 0} measurements taken; no metric exceeded its limits`;
  if (!deciding) return phase;
  const [name, { tally }] = deciding;
  switch (phase) {
    case 'Failed':
      return `${name}: ${tally.failed} failed measurements > failure limit ${limits.failureLimit}`;
    case 'Inconclusive':
      return `${name}: ${tally.inconclusive} inconclusive measurements > inconclusive limit ${limits.inconclusiveLimit}`;
    case 'Error':
      return `${name}: ${tally.consecutiveError} consecutive errors > consecutive error limit ${limits.consecutiveErrorLimit}`;
    default:
      return phase;
  }
}

async function measureInterval(options: CanaryOptions, totals: Totals, signal: AbortSignal): Promise<{ measurements: Measurement[]; totals: Totals }> {
  const round = async (target: Target): Promise<CheckResult[] | Error> => {
    try {
      return await options.runRound(target, signal);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  const cloudwatch = options.cloudwatch;
  const [canary, baseline, ...queries] = await Promise.all([
    round('canary'),
    round('baseline'),
    ...(cloudwatch?.sources.map((source) => measureCloudWatch(source, cloudwatch.fetcher, options.intervalMs, signal, options.now ?? Date.now)) ?? []),
  ]);
  const errorRate = measureErrorRate(canary, baseline, totals, options.errorRate, options.minSamples);
  const out = [errorRate.measurement];
  if (options.latency) out.push(measureLatency(canary, baseline, options.latency, options.minSamples));
  out.push(...queries);
  return { measurements: out, totals: errorRate.totals };
}

function taken(results: CheckResult[]): CheckResult[] {
  return results.filter((r) => r.skipped !== true);
}

function countsByCheck(results: CheckResult[]): Map<string, { counts: Counts; failureKinds: Set<string> }> {
  const byCheck = new Map<string, { counts: Counts; failureKinds: Set<string> }>();
  for (const r of taken(results)) {
    const entry = byCheck.get(r.checkId) ?? { counts: { runs: 0, errors: 0 }, failureKinds: new Set<string>() };
    entry.counts.runs++;
    if (!r.ok) {
      entry.counts.errors++;
      entry.failureKinds.add(r.failure?.kind ?? 'failed');
    }
    byCheck.set(r.checkId, entry);
  }
  return byCheck;
}

const SEVERITY: Record<MeasurementPhase, number> = { Successful: 0, Inconclusive: 1, Error: 2, Failed: 3 };

/**
 * The error-rate measurement of one interval. Each check is judged on its own: this interval's
 * results decide whether a side is down; the running totals (this interval added) go to the
 * test. The interval's phase is its worst check's (Failed > Error > Inconclusive > Successful),
 * so 3 % errors on one check of four is that check's 3 %, not a pooled 0.75 %.
 */
export function measureErrorRate(
  canaryRound: CheckResult[] | Error,
  baselineRound: CheckResult[] | Error,
  totals: Totals,
  judgement: ErrorRateJudgement,
  minSamples: number,
): { measurement: Measurement; totals: Totals } {
  const metric = SUCCESS_RATE;
  if (canaryRound instanceof Error) return { measurement: { metric, phase: 'Error', value: null, detail: `could not run the canary's checks: ${canaryRound.message}` }, totals };
  if (baselineRound instanceof Error) return { measurement: { metric, phase: 'Error', value: null, detail: `could not run the baseline's checks: ${baselineRound.message}` }, totals };
  const canary = countsByCheck(canaryRound);
  const baseline = countsByCheck(baselineRound);
  const next = new Map(totals);
  const checkIds = [...new Set([...canary.keys(), ...baseline.keys()])];
  if (checkIds.length === 0) return { measurement: { metric, phase: 'Error', value: null, detail: 'no check could start on either side (rate limit or deadline)' }, totals };
  const checks = checkIds.map((id) => judgeCheckErrors(id, canary.get(id), baseline.get(id), next, judgement, minSamples));
  // Among checks in the same phase, the one closest to failing (smallest Fisher p) is shown.
  const worst = checks.reduce((a, b) => (SEVERITY[b.phase] > SEVERITY[a.phase] || (b.phase === a.phase && (b.pWorse ?? 1) < (a.pWorse ?? 1)) ? b : a));
  const deciding = checks.filter((c) => c.phase === worst.phase);
  const downs = new Set(deciding.map((c) => c.verdict));
  const cause = downs.size === 1 && (downs.has('canary-down') || downs.has('baseline-down') || downs.has('both-down')) ? ([...downs][0] as Measurement['cause']) : undefined;
  const total = worst.total.canary;
  const value = total.runs > 0 ? 1 - total.errors / total.runs : null;
  const of = checks.length > 1 ? ` (worst of ${checks.length} checks${deciding.length > 1 ? `; ${deciding.length} ${worst.phase.toLowerCase()}` : ''})` : '';
  const measurement: Measurement = { metric, phase: worst.phase, value, detail: `${worst.detail}${of}`, checks };
  if (cause) measurement.cause = cause;
  return { measurement, totals: next };
}

function judgeCheckErrors(
  checkId: string,
  canarySide: { counts: Counts; failureKinds: Set<string> } | undefined,
  baselineSide: { counts: Counts; failureKinds: Set<string> } | undefined,
  totals: Map<string, { canary: Counts; baseline: Counts }>,
  judgement: ErrorRateJudgement,
  minSamples: number,
): CheckErrorRate {
  const head = `[ERROR RATE ${checkId}]`;
  const interval = { canary: canarySide?.counts ?? { runs: 0, errors: 0 }, baseline: baselineSide?.counts ?? { runs: 0, errors: 0 } };
  const before = totals.get(checkId) ?? { canary: { runs: 0, errors: 0 }, baseline: { runs: 0, errors: 0 } };
  const result = (verdict: CheckErrorVerdict, phase: MeasurementPhase, detail: string, total = before): CheckErrorRate => ({
    checkId,
    verdict,
    phase,
    interval,
    total,
    pWorse: null,
    pCanaryBreach: null,
    pBaselineBreach: null,
    detail: `${head} ${detail}`,
  });
  const kinds = (side: { failureKinds: Set<string> } | undefined): string => (side && side.failureKinds.size > 0 ? ` (${[...side.failureKinds].join(', ')})` : '');
  const { canary: c, baseline: b } = interval;
  if (c.runs === 0 || b.runs === 0) return result('not-run', 'Error', `no ${c.runs === 0 ? 'canary' : 'baseline'} run of this check could start this interval (rate limit or deadline)`);
  const canaryDown = c.errors === c.runs;
  const baselineDown = b.errors === b.runs;
  // An interval with the baseline down is left out of the totals: there was nothing to compare with.
  if (canaryDown && baselineDown) return result('both-down', 'Inconclusive', `both sides down: canary 0 of ${c.runs} passed${kinds(canarySide)}, baseline 0 of ${b.runs} passed${kinds(baselineSide)}`);
  if (baselineDown) return result('baseline-down', 'Error', `baseline down: 0 of ${b.runs} passed${kinds(baselineSide)}; canary ${c.runs - c.errors} of ${c.runs} passed: nothing to compare with`);
  const total = { canary: add(before.canary, c), baseline: add(before.baseline, b) };
  totals.set(checkId, total);
  if (canaryDown) return result('canary-down', 'Failed', `canary down: 0 of ${c.runs} passed${kinds(canarySide)}; baseline ${b.runs - b.errors} of ${b.runs} passed`, total);
  if (c.runs < minSamples || b.runs < minSamples) return result('insufficient', 'Inconclusive', `${c.runs} canary and ${b.runs} baseline results this interval < ${minSamples} needed to judge`, total);
  const test = testErrorRates(total.canary, total.baseline, judgement);
  const rates = `canary ${total.canary.errors}/${total.canary.runs} (${pct(total.canary)})${kinds(canarySide)} vs baseline ${total.baseline.errors}/${total.baseline.runs} (${pct(total.baseline)})`;
  const alpha = `alpha ${judgement.alpha}`;
  let verdict: CheckErrorVerdict = 'ok';
  let phase: MeasurementPhase = 'Successful';
  let detail = `${rates}: Fisher p=${p4(test.pWorse)} ${test.pWorse < judgement.alpha ? '<' : '>='} ${alpha}`;
  if (test.outcome === 'canary-worse') {
    verdict = 'canary-worse';
    phase = 'Failed';
    detail += `, +${points(total)} >= min effect ${(judgement.minEffect * 100).toFixed(1)} points: canary worse than baseline`;
  } else if (test.outcome === 'both-degraded') {
    verdict = 'both-degraded';
    phase = 'Inconclusive';
    detail += `; both above the ${(judgement.tolerance * 100).toFixed(1)}% that ${judgement.successText} allows (binomial p=${p4(test.pCanaryBreach)}, ${p4(test.pBaselineBreach)} < ${alpha}): both sides degraded`;
  } else if (test.pWorse < judgement.alpha) {
    detail += `, but +${points(total)} < min effect ${(judgement.minEffect * 100).toFixed(1)} points`;
  }
  return { checkId, verdict, phase, interval, total, pWorse: test.pWorse, pCanaryBreach: test.pCanaryBreach, pBaselineBreach: test.pBaselineBreach, detail: `${head} ${detail}` };
}

function add(a: Counts, b: Counts): Counts {
  return { runs: a.runs + b.runs, errors: a.errors + b.errors };
}

function pct(c: Counts): string {
  return `${((c.errors / c.runs) * 100).toFixed(1)}%`;
}

function points(total: { canary: Counts; baseline: Counts }): string {
  return `${((total.canary.errors / total.canary.runs - total.baseline.errors / total.baseline.runs) * 100).toFixed(1)} points`;
}

function p4(p: number | null): string {
  if (p === null) return 'n/a';
  return p < 0.0001 ? p.toExponential(1) : p.toFixed(4);
}

export function measureLatency(canaryRound: CheckResult[] | Error, baselineRound: CheckResult[] | Error, judgement: LatencyJudgement, minSamples: number): Measurement {
  const metric = LATENCY;
  if (canaryRound instanceof Error || baselineRound instanceof Error) {
    const which = canaryRound instanceof Error ? `canary: ${canaryRound.message}` : `baseline: ${(baselineRound as Error).message}`;
    return { metric, phase: 'Error', value: null, detail: `could not measure latency (${which})` };
  }
  // Judged per check: pooled samples let a slow endpoint hide a fast one's regression (its p95
  // is the slow endpoint's either way). Only passing exchanges count: a fast 500 or a refused
  // connection says nothing about how quickly the service does its work.
  const canary = passingDurationsByCheck(canaryRound);
  const baseline = passingDurationsByCheck(baselineRound);
  const checkIds = [...new Set([...canary.keys(), ...baseline.keys()])];
  if (checkIds.length === 0) return { metric, phase: 'Inconclusive', value: null, detail: 'no passing exchange on either side: nothing to compare' };
  const canaryRuns = countsByCheck(canaryRound);
  const baselineRuns = countsByCheck(baselineRound);
  const judged = checkIds.map((id) =>
    judgeCheckLatency(id, canary.get(id) ?? [], baseline.get(id) ?? [], canaryRuns.get(id)?.counts.runs ?? 0, baselineRuns.get(id)?.counts.runs ?? 0, judgement, minSamples),
  );
  const verdicts = judged.filter((v) => v !== null);
  if (verdicts.length === 0) {
    // A down or failing canary must not end the analysis as "inconclusive" through its latency:
    // its failures are the error rate's to judge, and that metric decides.
    return { metric, phase: 'Error', value: null, detail: `no check had ${minSamples} passing exchanges on both sides to compare: the failures are judged by the error rate` };
  }
  // The interval's measurement is its worst check's: one regressed endpoint is a regressed canary.
  const worst = verdicts.reduce((a, b) => (SEVERITY[b.phase] > SEVERITY[a.phase] || (b.phase === a.phase && (b.value ?? 0) > (a.value ?? 0)) ? b : a));
  const of = verdicts.length > 1 ? ` (worst of ${verdicts.length} checks)` : '';
  return { metric, phase: worst.phase, value: worst.value, detail: `${worst.detail}${of}` };
}

function passingDurationsByCheck(results: CheckResult[]): Map<string, number[]> {
  const byCheck = new Map<string, number[]>();
  for (const r of taken(results)) {
    if (!r.ok) continue;
    const list = byCheck.get(r.checkId) ?? [];
    list.push(r.durationMs);
    byCheck.set(r.checkId, list);
  }
  return byCheck;
}

/** Null when failures, not a lack of runs, left a side short of passing samples: that check is the error rate's to judge. */
function judgeCheckLatency(checkId: string, canary: number[], baseline: number[], canaryRuns: number, baselineRuns: number, judgement: LatencyJudgement, minSamples: number): Omit<Measurement, 'metric'> | null {
  const p = judgement.percentile;
  const head = `[LATENCY p${p} ${checkId}]`;
  if (baseline.length === 0) return { phase: 'Error', value: null, detail: `${head} the baseline passed no exchange: no reference to compare with` };
  if ((canary.length < minSamples && canaryRuns >= minSamples) || (baseline.length < minSamples && baselineRuns >= minSamples)) return null;
  if (canary.length < minSamples || baseline.length < minSamples) {
    return { phase: 'Inconclusive', value: null, detail: `${head} ${canary.length} canary and ${baseline.length} baseline passing samples < ${minSamples} needed` };
  }
  const canaryP = percentile(canary, p)!;
  const baselineP = percentile(baseline, p)!;
  const ratio = baselineP > 0 ? canaryP / baselineP : canaryP > 0 ? Number.POSITIVE_INFINITY : 1;
  const slowerByRatio = ratio > judgement.ratio && canaryP - baselineP > judgement.minDeltaMs;
  let text = `${head} canary ${canaryP.toFixed(1)} ms / baseline ${baselineP.toFixed(1)} ms = ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'inf'} <= ${judgement.ratio}`;
  let slower = slowerByRatio;
  if (judgement.mannWhitney) {
    const test = mannWhitneyGreater(canary, baseline);
    const significant = test.pValue < judgement.alpha;
    text += `; Mann-Whitney U=${test.u} p=${test.pValue.toFixed(4)} (${test.method}) ${significant ? '<' : '>='} alpha ${judgement.alpha}`;
    slower = slowerByRatio && significant;
  }
  return { phase: slower ? 'Failed' : 'Successful', value: ratio, detail: slower ? `${text}: canary slower` : text };
}

/** Resolves true after `ms`, false at once when the signal aborts first. */
function sleepFor(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, ms));
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function measureCloudWatch(source: CloudWatchMetricSource, fetcher: MetricFetcher, intervalMs: number, signal: AbortSignal, now: () => number): Promise<Measurement> {
  const metric = `cloudwatch:${source.name}`;
  const condition = parseCondition(source.successCondition ?? '');
  if (!condition.ok) return { metric, phase: 'Error', value: null, detail: `successCondition: ${condition.error}` };
  const lookbackMs = source.lookback !== undefined ? (parseOffset(source.lookback) ?? intervalMs) : intervalMs;
  const result = await fetcher.fetch(source, alignedWindow(new Date(now()), lookbackMs, source.periodSeconds ?? DEFAULT_METRIC_PERIOD_SECONDS), signal);
  if (!result.ok) return { metric, phase: 'Error', value: null, detail: result.error.message };
  if (result.value === null) return { metric, phase: 'Inconclusive', value: null, detail: `[${source.name}] no datapoints in the window` };
  const ok = holds(condition.condition, result.value);
  return { metric, phase: ok ? 'Successful' : 'Failed', value: result.value, detail: `[${source.name}] (${result.value}) ${condition.condition.text}${ok ? '' : ' fails'}` };
}
