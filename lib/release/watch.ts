// The post-deploy watch: probes run continuously and series are sampled while a timeline of
// steps is judged in order; the first unhealthy step ends the watch. Time is "plan time":
// milliseconds since the deploy, running `timeScale` times faster than the wall clock, so a
// 30-minute plan can be rehearsed in 30 seconds.
import { setMaxListeners } from 'node:events';
import type { CheckResult } from '../model/result.js';
import { formatOffset } from './duration.js';
import type { SeriesReader } from './seriesReaders.js';
import type { Point } from './stats.js';
import { leastSquaresTrend, percentile } from './stats.js';
import type { ResolvedPlan, ResolvedStep } from './watchPlan.js';

export type StepVerdict = 'healthy' | 'unhealthy' | 'no_data';

export interface StepJudgement {
  step: string;
  /** Plan offset the step belongs to. */
  atMs: number;
  /** Plan time when it was judged (later than `atMs` when it had to wait for data). */
  judgedAtMs: number;
  verdict: StepVerdict;
  /** One readable line, Gatus-style: what was measured against what. */
  detail: string;
  /** The number judged (error rate, worst latency ratio, slope), when there was one. */
  value: number | null;
  samples: number;
}

export interface WatchOutcome {
  plan: string;
  verdict: StepVerdict | 'interrupted';
  steps: StepJudgement[];
  probeRounds: number;
  exitCode: number;
}

export interface WatchRunOptions {
  plan: ResolvedPlan;
  timeScale: number;
  /** Wall-clock epoch ms of the deploy (`--since`; default: when the watch starts). */
  deployStartedAt: number;
  /** One round of the selected probes. */
  probe(signal: AbortSignal): Promise<CheckResult[]>;
  series: Record<string, SeriesReader>;
  /** The latency SLO of a check (step `maxMs` wins), or null when it has none. */
  sloFor(checkId: string): number | null;
  onStep?(judgement: StepJudgement): void;
  /** Called when a round or a scrape fails, for a live note; never decides anything. */
  onNote?(text: string): void;
  signal?: AbortSignal;
  /** How long (wall clock) a due step may wait for enough data before it is `no_data`. */
  dataWaitMs?: number;
  now?: () => number;
}

/** How often a due step looks again at data the watch already holds in memory (wall time). */
const POLL_MS = 25;
/**
 * A step whose data comes from a remote query (CloudWatch GetMetricData) asks again at most once
 * per scrape interval, and never more than once a second of wall time even when --time-scale
 * compresses that interval: each ask is a billed, throttled API call, and new datapoints do not
 * appear faster than that.
 */
const MIN_REQUERY_MS = 1000;

export const WATCH_EXIT = { healthy: 0, unhealthy: 1, no_data: 3, interrupted: 1 } as const;

interface Stamped<T> {
  t: number;
  value: T;
}

export async function runWatch(options: WatchRunOptions): Promise<WatchOutcome> {
  const now = options.now ?? Date.now;
  const scale = options.timeScale;
  const plan = options.plan;
  const planNow = (): number => (now() - options.deployStartedAt) * scale;
  const realDelay = (planMs: number): number => Math.max(0, planMs / scale);
  const stop = new AbortController();
  // Every in-flight check listens on this signal; dozens at once are expected, not a leak.
  setMaxListeners(0, stop.signal);
  const onAbort = (): void => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const results: Stamped<CheckResult>[] = [];
  const samples = new Map<string, Point[]>(Object.keys(options.series).map((name) => [name, []]));
  const lastSeriesError = new Map<string, string>();
  let rounds = 0;

  const probeLoop = async (): Promise<void> => {
    let next = now();
    while (!stop.signal.aborted) {
      try {
        const round = await options.probe(stop.signal);
        for (const r of round) if (r.skipped !== true) results.push({ t: (Date.parse(r.startedAt) - options.deployStartedAt) * scale, value: r });
        rounds++;
      } catch (error) {
        options.onNote?.(`probe round failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      next += realDelay(plan.probeIntervalMs);
      // Drift-free: the next round starts on the schedule, or at once if this one overran it.
      await sleep(Math.max(0, next - now()), stop.signal);
      if (next < now()) next = now();
    }
  };

  const scrapeLoop = async (name: string, reader: Extract<SeriesReader, { kind: 'instant' }>): Promise<void> => {
    let next = now();
    while (!stop.signal.aborted) {
      const read = await reader.sample(stop.signal);
      if (read.ok) samples.get(name)!.push({ t: planNow(), value: read.value });
      else if (!stop.signal.aborted) {
        if (lastSeriesError.get(name) !== read.error.message) options.onNote?.(read.error.message);
        lastSeriesError.set(name, read.error.message);
      }
      next += realDelay(plan.scrapeIntervalMs);
      await sleep(Math.max(0, next - now()), stop.signal);
      if (next < now()) next = now();
    }
  };

  const neededSeries = new Set(plan.steps.flatMap((s) => (s.judge.kind === 'trend' ? [s.judge.series] : [])));
  const loops = [probeLoop()];
  for (const name of neededSeries) {
    const reader = options.series[name];
    if (reader?.kind === 'instant') loops.push(scrapeLoop(name, reader));
  }

  // Three intervals of plan time, plus room for one slow scrape (5 s) or probe round, in wall time.
  const dataWaitMs = options.dataWaitMs ?? realDelay(3 * Math.max(plan.probeIntervalMs, plan.scrapeIntervalMs)) + 5_000;
  const judged: StepJudgement[] = [];
  let verdict: WatchOutcome['verdict'] = 'healthy';
  try {
    for (const step of plan.steps) {
      const dueReal = options.deployStartedAt + step.atMs / scale;
      if (!(await sleep(Math.max(0, dueReal - now()), stop.signal))) {
        verdict = 'interrupted';
        break;
      }
      const giveUp = Math.max(now(), dueReal) + dataWaitMs;
      const remote = step.judge.kind === 'trend' && options.series[step.judge.series]?.kind === 'range';
      const retryEvery = remote ? Math.max(realDelay(plan.scrapeIntervalMs), MIN_REQUERY_MS) : POLL_MS;
      let attempt = await judgeStep(step, previousAt(plan, step));
      // A step due before there is enough data (T+0 before the first round, a trend with too
      // few points) waits for more, within a bound, rather than judging nothing as healthy.
      // A query that failed for good (access denied, a malformed query) cannot be cured by
      // waiting: the step is judged "could not judge" at once.
      while (attempt.judgement.verdict === 'no_data' && attempt.retryable && now() < giveUp && !stop.signal.aborted) {
        await sleep(Math.min(retryEvery, Math.max(0, giveUp - now())), stop.signal);
        if (stop.signal.aborted) break;
        attempt = await judgeStep(step, previousAt(plan, step));
      }
      const judgement = attempt.judgement;
      if (stop.signal.aborted && judgement.verdict === 'no_data') {
        verdict = 'interrupted';
        break;
      }
      judged.push(judgement);
      options.onStep?.(judgement);
      if (judgement.verdict !== 'healthy') {
        verdict = judgement.verdict;
        break;
      }
    }
  } finally {
    stop.abort();
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled(loops);
  }
  return { plan: plan.name, verdict, steps: judged, probeRounds: rounds, exitCode: WATCH_EXIT[verdict] };

  async function judgeStep(step: ResolvedStep, prevAt: number): Promise<{ judgement: StepJudgement; retryable: boolean }> {
    const judged = await judgeStepOnce(step, prevAt);
    return 'final' in judged ? { judgement: judged.final, retryable: false } : { judgement: judged, retryable: true };
  }

  /** A judgement, or `{ final }`: a no_data judgement that asking again cannot change. */
  async function judgeStepOnce(step: ResolvedStep, prevAt: number): Promise<StepJudgement | { final: StepJudgement }> {
    const end = Math.max(step.atMs, planNow());
    const start = step.windowMs === null ? prevAt : Math.max(0, step.atMs - step.windowMs);
    const base = { step: step.name, atMs: step.atMs, judgedAtMs: Math.round(planNow()) };
    const judge = step.judge;
    switch (judge.kind) {
      case 'errorRate': {
        const inWindow = results.filter((r) => r.t >= start && r.t <= end).map((r) => r.value);
        if (inWindow.length === 0) return { ...base, verdict: 'no_data', detail: `no probe result between T+${formatOffset(start)} and T+${formatOffset(end)} yet`, value: null, samples: 0 };
        const failed = inWindow.filter((r) => !r.ok);
        const rate = failed.length / inWindow.length;
        const ok = rate <= judge.max;
        const worst = failed[0];
        const why = worst ? `; first failure: ${worst.checkId} ${worst.failure?.kind ?? 'failed'}${worst.status !== null ? ` (HTTP ${worst.status})` : ''}` : '';
        return {
          ...base,
          verdict: ok ? 'healthy' : 'unhealthy',
          detail: `[ERROR RATE] (${pct(rate)}, ${failed.length} of ${inWindow.length} probes) <= ${pct(judge.max)}${ok ? '' : why}`,
          value: rate,
          samples: inWindow.length,
        };
      }
      case 'latency': {
        const p = judge.percentile ?? 95;
        const inWindow = results.filter((r) => r.t >= start && r.t <= end).map((r) => r.value);
        const byCheck = new Map<string, number[]>();
        for (const r of inWindow) byCheck.set(r.checkId, [...(byCheck.get(r.checkId) ?? []), r.durationMs]);
        const lines: string[] = [];
        let worstRatio: number | null = null;
        let breached = false;
        for (const [checkId, durations] of byCheck) {
          const slo = judge.maxMs ?? options.sloFor(checkId);
          if (slo === null) continue;
          const value = percentile(durations, p)!;
          const ratio = value / slo;
          if (worstRatio === null || ratio > worstRatio) worstRatio = ratio;
          if (value > slo) {
            breached = true;
            lines.push(`${checkId} p${p} ${ms(value)} > ${ms(slo)}`);
          } else if (lines.length === 0 || !breached) {
            lines.push(`${checkId} p${p} ${ms(value)} <= ${ms(slo)}`);
          }
        }
        if (worstRatio === null) return { ...base, verdict: 'no_data', detail: `no probe result with an SLO between T+${formatOffset(start)} and T+${formatOffset(end)} yet`, value: null, samples: 0 };
        const shown = breached ? lines.filter((l) => l.includes(' > ')) : lines;
        return { ...base, verdict: breached ? 'unhealthy' : 'healthy', detail: `[LATENCY] ${shown.join('; ')}`, value: worstRatio, samples: inWindow.length };
      }
      case 'trend': {
        const reader = options.series[judge.series];
        let points: Point[];
        if (reader?.kind === 'range') {
          const read = await reader.range(new Date(options.deployStartedAt + start / scale), new Date(options.deployStartedAt + end / scale), stop.signal);
          if (!read.ok) {
            const failed: StepJudgement = { ...base, verdict: 'no_data', detail: read.error.retryable ? read.error.message : `${read.error.message}; not retryable, so the watch stopped asking`, value: null, samples: 0 };
            return read.error.retryable ? failed : { final: failed };
          }
          points = read.points.map((pt) => ({ t: (pt.t - options.deployStartedAt) * scale, value: pt.value }));
        } else {
          points = (samples.get(judge.series) ?? []).filter((pt) => pt.t >= start && pt.t <= end);
        }
        const trend = leastSquaresTrend(points);
        if (trend === null) {
          const lastError = lastSeriesError.get(judge.series);
          return { ...base, verdict: 'no_data', detail: `series ${judge.series}: expected at least 3 samples between T+${formatOffset(start)} and T+${formatOffset(end)}, received ${points.length}${lastError ? `; last error: ${lastError}` : ''}`, value: null, samples: points.length };
        }
        const checks: string[] = [];
        let ok = true;
        if (judge.maxSlopePerMinute !== undefined) {
          const pass = trend.slopePerMinute <= judge.maxSlopePerMinute;
          ok &&= pass;
          checks.push(`(${num(trend.slopePerMinute)}/min) <= ${num(judge.maxSlopePerMinute)}/min`);
        }
        if (judge.maxRelativeSlopePerMinute !== undefined) {
          const relative = trend.relativeSlopePerMinute ?? (trend.slopePerMinute > 0 ? Number.POSITIVE_INFINITY : 0);
          const pass = relative <= judge.maxRelativeSlopePerMinute;
          ok &&= pass;
          checks.push(`(${pct(relative, 3)}/min of mean ${num(trend.mean)}) <= ${pct(judge.maxRelativeSlopePerMinute, 3)}/min`);
        }
        return {
          ...base,
          verdict: ok ? 'healthy' : 'unhealthy',
          detail: `[TREND ${judge.series}] ${checks.join(' and ')} over ${trend.points} samples T+${formatOffset(start)}..T+${formatOffset(Math.round(end))}`,
          value: judge.maxRelativeSlopePerMinute !== undefined ? trend.relativeSlopePerMinute : trend.slopePerMinute,
          samples: trend.points,
        };
      }
    }
  }
}

function previousAt(plan: ResolvedPlan, step: ResolvedStep): number {
  const index = plan.steps.indexOf(step);
  return index > 0 ? plan.steps[index - 1]!.atMs : 0;
}

/** Resolves true after `ms`, false at once when the signal aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function pct(value: number, digits = 1): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : String(value);
}

function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

function num(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e6) return value.toExponential(3);
  return value.toFixed(abs >= 100 ? 0 : 3);
}

