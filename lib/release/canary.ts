// Canary analysis: every interval, the same checks run against the canary and the baseline;
// each metric (success rate, latency, every CloudWatch query) takes one measurement, and the
// Argo Rollouts state machine in analysis.ts decides promote, abort or inconclusive — as soon
// as the outcome is decided, not at the end of the schedule.
import { setMaxListeners } from 'node:events';
import type { CloudWatchMetricSource } from '../model/fleet.js';
import type { CheckResult } from '../model/result.js';
import type { AnalysisLimits, AnalysisPhase, MeasurementPhase, MetricTally } from './analysis.js';
import { assessMetric, assessRun, emptyTally, exitCodeOf, record } from './analysis.js';
import type { MetricFetcher } from './cloudwatchSource.js';
import { alignedWindow, DEFAULT_METRIC_PERIOD_SECONDS } from './cloudwatchSource.js';
import type { Condition } from './condition.js';
import { holds, parseCondition } from './condition.js';
import { parseOffset } from './duration.js';
import { mannWhitneyGreater } from './mannWhitney.js';
import { percentile } from './stats.js';
import { sleep } from './watch.js';

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

export interface CanaryOptions {
  limits: AnalysisLimits;
  intervalMs: number;
  initialDelayMs: number;
  success: Condition;
  /** Fewer (non-skipped) canary results than this make a measurement inconclusive. */
  minSamples: number;
  latency: LatencyJudgement | null;
  cloudwatch: { sources: CloudWatchMetricSource[]; fetcher: MetricFetcher } | null;
  /** One interval's runs against one target. Throwing makes the measurements of that interval errors. */
  runRound(target: Target, signal: AbortSignal): Promise<CheckResult[]>;
  onInterval?(report: IntervalReport): void;
  signal?: AbortSignal;
  now?: () => number;
}

export interface Measurement {
  metric: string;
  phase: MeasurementPhase;
  /** The judged number (success rate, p95 ratio, query value) when there was one. */
  value: number | null;
  /** One readable line: what was measured, against what. */
  detail: string;
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

export interface CanaryReport {
  phase: AnalysisPhase;
  decision: 'promote' | 'abort' | 'inconclusive';
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
  let phase: AnalysisPhase = 'Running';
  let interrupted = false;

  try {
    if (!(await sleep(options.initialDelayMs, stop.signal))) interrupted = true;
    let next = now();
    while (!interrupted && phase === 'Running') {
      const startedAt = now();
      const measurements = await measureInterval(options, stop.signal);
      if (stop.signal.aborted) {
        interrupted = true;
        break;
      }
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
  return {
    phase: final,
    decision: final === 'Successful' ? 'promote' : final === 'Failed' || final === 'Error' ? 'abort' : 'inconclusive',
    exitCode: exitCodeOf(final),
    reason: reasonFor(final, metrics, options.limits, interrupted && phase === 'Running'),
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

async function measureInterval(options: CanaryOptions, signal: AbortSignal): Promise<Measurement[]> {
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
  const out = [measureSuccessRate(canary, baseline, options)];
  if (options.latency) out.push(measureLatency(canary, baseline, options.latency, options.minSamples));
  out.push(...(queries));
  return out;
}

function taken(results: CheckResult[]): CheckResult[] {
  return results.filter((r) => r.skipped !== true);
}

function rateOf(results: CheckResult[]): number {
  return results.filter((r) => r.ok).length / results.length;
}

export function measureSuccessRate(canaryRound: CheckResult[] | Error, baselineRound: CheckResult[] | Error, options: Pick<CanaryOptions, 'success' | 'minSamples'>): Measurement {
  const metric = SUCCESS_RATE;
  if (canaryRound instanceof Error) return { metric, phase: 'Error', value: null, detail: `could not run the canary's checks: ${canaryRound.message}` };
  const canary = taken(canaryRound);
  if (canary.length === 0) return { metric, phase: 'Error', value: null, detail: 'no canary check could start (rate limit or deadline)' };
  if (canary.length < options.minSamples) {
    return { metric, phase: 'Inconclusive', value: null, detail: `${canary.length} samples < ${options.minSamples} needed to judge` };
  }
  const rate = rateOf(canary);
  const failedKinds = [...new Set(canary.filter((r) => !r.ok).map((r) => r.failure?.kind ?? 'failed'))];
  const text = `[SUCCESS RATE] (${rate.toFixed(3)}, ${canary.filter((r) => r.ok).length}/${canary.length}) ${options.success.text}`;
  if (holds(options.success, rate)) return { metric, phase: 'Successful', value: rate, detail: text };
  // A baseline that fails the same condition says the trouble is not the canary's.
  const baseline = baselineRound instanceof Error ? [] : taken(baselineRound);
  if (baseline.length >= options.minSamples && !holds(options.success, rateOf(baseline))) {
    return { metric, phase: 'Inconclusive', value: rate, detail: `${text} fails, but the baseline fails too (${rateOf(baseline).toFixed(3)}): not the canary's doing` };
  }
  return { metric, phase: 'Failed', value: rate, detail: `${text} fails${failedKinds.length > 0 ? ` (${failedKinds.join(', ')})` : ''}` };
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
  const verdicts = checkIds.map((id) => judgeCheckLatency(id, canary.get(id) ?? [], baseline.get(id) ?? [], judgement, minSamples));
  // The interval's measurement is its worst check's: one regressed endpoint is a regressed canary.
  const worst = verdicts.reduce((a, b) => (LATENCY_SEVERITY[b.phase] > LATENCY_SEVERITY[a.phase] || (b.phase === a.phase && (b.value ?? 0) > (a.value ?? 0)) ? b : a));
  const of = verdicts.length > 1 ? ` (worst of ${verdicts.length} checks)` : '';
  return { metric, phase: worst.phase, value: worst.value, detail: `${worst.detail}${of}` };
}

const LATENCY_SEVERITY: Record<MeasurementPhase, number> = { Successful: 0, Inconclusive: 1, Error: 2, Failed: 3 };

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

function judgeCheckLatency(checkId: string, canary: number[], baseline: number[], judgement: LatencyJudgement, minSamples: number): Omit<Measurement, 'metric'> {
  const p = judgement.percentile;
  const head = `[LATENCY p${p} ${checkId}]`;
  if (baseline.length === 0) return { phase: 'Error', value: null, detail: `${head} the baseline passed no exchange: no reference to compare with` };
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
