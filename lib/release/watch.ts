// The post-deploy watch: probes run continuously and series are sampled while a timeline of
// steps is judged in order; the first unhealthy step ends the watch. Time is "plan time":
// milliseconds since the deploy, running `timeScale` times faster than the wall clock, so a
// 30-minute plan can be rehearsed in 30 seconds.
import { setMaxListeners } from 'node:events';
import type { WatchJudgement } from '../model/fleet.js';
import type { CheckResult } from '../model/result.js';
import { formatOffset } from './duration.js';
import type { TimedValue } from './prometheusText.js';
import { counterIncrease, histogramQuantile } from './prometheusText.js';
import type { SeriesReader, ServiceMetricsReader, ServiceSnapshot } from './seriesReaders.js';
import type { Point } from './stats.js';
import { percentile, repeatedMedianSlope } from './stats.js';
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
  /** The service's own request counter and latency histogram, scraped every scrape interval; absent: not read. */
  service?: ServiceMetricsReader;
  /** The SLO the service's own latency percentile is held to when the step names no `maxMs`. */
  serviceSloMs?: number | null;
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

const MAX_TREND_POINTS = 400;

export const WATCH_EXIT = { healthy: 0, unhealthy: 1, no_data: 3, interrupted: 1 } as const;

export interface Stamped<T> {
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
  const serviceSnapshots: Stamped<ServiceSnapshot>[] = [];
  const serviceScrapes: { attempts: number; lastError: string | null } = { attempts: 0, lastError: null };
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

  const serviceLoop = async (reader: ServiceMetricsReader): Promise<void> => {
    let next = now();
    while (!stop.signal.aborted) {
      const t = planNow();
      const read = await reader.sample(stop.signal);
      if (stop.signal.aborted) break;
      // Stamped with the time the scrape was asked for: the page reflects the counters then, and
      // the extrapolation of an increase depends on the spacing of the samples.
      if (read.ok) serviceSnapshots.push({ t, value: read.snapshot });
      else {
        if (serviceScrapes.lastError !== read.error.message) options.onNote?.(read.error.message);
        serviceScrapes.lastError = read.error.message;
      }
      serviceScrapes.attempts++;
      next += realDelay(plan.scrapeIntervalMs);
      await sleep(Math.max(0, next - now()), stop.signal);
      if (next < now()) next = now();
    }
  };

  const neededSeries = new Set(plan.steps.flatMap((s) => (s.judge.kind === 'trend' ? [s.judge.series] : [])));
  const loops = [probeLoop()];
  if (options.service) loops.push(serviceLoop(options.service));
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
    const inWindow = results.filter((r) => r.t >= start && r.t <= end).map((r) => r.value);
    const window = { start, end };
    const service = serviceView(window);
    const parts: (Part | null)[] = [];
    switch (judge.kind) {
      case 'errorRate':
        parts.push(judgeProbeErrors(inWindow, judge.max, window), service.errors(plan.maxServiceErrorRate));
        break;
      case 'latency':
        parts.push(
          judgeProbeLatency(inWindow, judge.percentile ?? 95, (id) => judge.maxMs ?? options.sloFor(id), window),
          service.latency(judge.percentile ?? 95, judge.maxMs ?? options.serviceSloMs ?? null),
          judgeProbeErrors(inWindow, plan.maxProbeErrorRate, window),
          service.errors(plan.maxServiceErrorRate),
        );
        break;
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
          points = samples.get(judge.series) ?? [];
        }
        const trend = judgeTrend(points, judge, window);
        if (trend.verdict === 'no_data') {
          const lastError = lastSeriesError.get(judge.series);
          if (lastError) trend.text += `; last error: ${lastError}`;
        }
        parts.push(trend, judgeProbeErrors(inWindow, plan.maxProbeErrorRate, window), service.errors(plan.maxServiceErrorRate));
        break;
      }
    }
    return { ...base, ...combine(parts.filter((p): p is Part => p !== null)) };
  }

  /** The service's own counters over a window, or null parts when it exports none. */
  function serviceView(window: Window): { errors(max: number): Part | null; latency(percentile: number, sloMs: number | null): Part | null } {
    const reader = options.service;
    const waiting = (what: string): Part => ({ verdict: 'no_data', text: `[SERVICE ${what}] no scrape of ${reader?.url ?? 'the metrics page'} yet`, value: null, samples: 0 });
    return {
      errors(max) {
        if (!reader) return null;
        if (serviceScrapes.attempts === 0) return waiting('5XX');
        const found = serviceSnapshots.some((s) => s.value.requests !== null);
        if (!found) return reader.explicit.requests ? { verdict: 'no_data', text: `[SERVICE 5XX] ${reader.describe()}: expected the configured request counter on the page, received none${serviceScrapes.lastError ? `; last error: ${serviceScrapes.lastError}` : ''}`, value: null, samples: 0 } : null;
        return judgeServiceErrors(serviceSnapshots, max, window);
      },
      latency(percentile, sloMs) {
        if (!reader || sloMs === null) return null;
        if (serviceScrapes.attempts === 0) return waiting(`P${percentile}`);
        const found = serviceSnapshots.some((s) => s.value.duration !== null);
        if (!found) return reader.explicit.duration ? { verdict: 'no_data', text: `[SERVICE P${percentile}] ${reader.describe()}: expected the configured latency histogram on the page, received none${serviceScrapes.lastError ? `; last error: ${serviceScrapes.lastError}` : ''}`, value: null, samples: 0 } : null;
        return judgeServiceLatency(serviceSnapshots, percentile, sloMs, window);
      },
    };
  }
}

interface Window {
  start: number;
  end: number;
}

/** One judged aspect of a step (the step's own judgement, or a guard over the same window). */
export interface Part {
  verdict: StepVerdict;
  text: string;
  value: number | null;
  samples: number;
}

/** Unhealthy if any part is, else could-not-judge if any part is, else healthy; the first part's number is the step's. */
export function combine(parts: readonly Part[]): Pick<StepJudgement, 'verdict' | 'detail' | 'value' | 'samples'> {
  const verdict: StepVerdict = parts.some((p) => p.verdict === 'unhealthy') ? 'unhealthy' : parts.some((p) => p.verdict === 'no_data') ? 'no_data' : 'healthy';
  // The part that decided comes first, so the line starts with the reason.
  const ordered = verdict === 'healthy' ? parts : [...parts.filter((p) => p.verdict === verdict), ...parts.filter((p) => p.verdict !== verdict)];
  const primary = parts[0];
  return { verdict, detail: ordered.map((p) => p.text).join('; '), value: primary?.value ?? null, samples: primary?.samples ?? 0 };
}

function span(window: Window): string {
  const seconds = (ms: number): string => formatOffset(Math.round(ms / 1000) * 1000);
  return `T+${seconds(window.start)}..T+${seconds(window.end)}`;
}

/**
 * Per check, the share of its probes in the window that failed, at most `max`. Per check, not
 * pooled: one bad check among many healthy ones must not hide behind their successes.
 */
export function judgeProbeErrors(results: readonly CheckResult[], max: number, window: Window): Part {
  if (results.length === 0) return { verdict: 'no_data', text: `[ERROR RATE] no probe result between ${span(window)} yet`, value: null, samples: 0 };
  const byCheck = new Map<string, CheckResult[]>();
  for (const r of results) byCheck.set(r.checkId, [...(byCheck.get(r.checkId) ?? []), r]);
  let worst: { checkId: string; rate: number; failed: CheckResult[]; total: number } | null = null;
  for (const [checkId, list] of byCheck) {
    const failed = list.filter((r) => !r.ok);
    const rate = failed.length / list.length;
    if (worst === null || rate > worst.rate) worst = { checkId, rate, failed, total: list.length };
  }
  const w = worst!;
  const ok = w.rate <= max;
  const first = w.failed[0];
  const why = first && !ok ? `; first failure: ${first.failure?.kind ?? 'failed'}${first.status !== null ? ` (HTTP ${first.status})` : ''}` : '';
  return {
    verdict: ok ? 'healthy' : 'unhealthy',
    text: `[ERROR RATE] worst check ${w.checkId} (${pct(w.rate)}, ${w.failed.length} of ${w.total} probes) <= ${pct(max)} per check, ${byCheck.size} check${byCheck.size === 1 ? '' : 's'} ${span(window)}${why}`,
    value: w.rate,
    samples: results.length,
  };
}

/**
 * Per check, the percentile of the durations of its PASSING probes against its SLO. A failed
 * exchange is not a latency sample: a fast 503 would pull the percentile down and hide a slow
 * service; failures are the error rate's business.
 */
export function judgeProbeLatency(results: readonly CheckResult[], percentileRank: number, sloFor: (checkId: string) => number | null, window: Window): Part {
  const byCheck = new Map<string, number[]>();
  let passing = 0;
  for (const r of results) {
    if (!r.ok) continue;
    passing++;
    byCheck.set(r.checkId, [...(byCheck.get(r.checkId) ?? []), r.durationMs]);
  }
  const lines: string[] = [];
  let worstRatio: number | null = null;
  let breached = false;
  for (const [checkId, durations] of byCheck) {
    const slo = sloFor(checkId);
    if (slo === null) continue;
    const value = percentile(durations, percentileRank)!;
    const ratio = value / slo;
    if (worstRatio === null || ratio > worstRatio) worstRatio = ratio;
    if (value > slo) breached = true;
    lines.push(`${checkId} p${percentileRank} ${ms(value)} ${value > slo ? '>' : '<='} ${ms(slo)}`);
  }
  if (worstRatio === null) return { verdict: 'no_data', text: `[LATENCY] no passing probe of a check with an SLO between ${span(window)} yet`, value: null, samples: 0 };
  const shown = breached ? lines.filter((l) => l.includes(' > ')) : lines;
  return { verdict: breached ? 'unhealthy' : 'healthy', text: `[LATENCY] ${shown.join('; ')} (passing probes only)`, value: worstRatio, samples: passing };
}

/**
 * Each series' samples in the window, for `counterIncrease`. A series that first appears after a
 * scrape that lacked it counts from zero at that scrape: client libraries create a labelled
 * counter (`code="503"`) only when it is first incremented, and PromQL would miss that first
 * burst; the watch saw the page without it, so it knows it was zero.
 */
function seriesInWindow<T extends { key: string; value: number }>(snapshots: readonly Stamped<ServiceSnapshot>[], pick: (s: ServiceSnapshot) => readonly T[] | null, window: Window): Map<string, { item: T; points: TimedValue[] }> {
  const inWindow = snapshots.filter((s) => s.t >= window.start && s.t <= window.end);
  const out = new Map<string, { item: T; points: TimedValue[] }>();
  inWindow.forEach((snap, index) => {
    for (const item of pick(snap.value) ?? []) {
      let entry = out.get(item.key);
      if (!entry) {
        entry = { item, points: [] };
        if (index > 0) entry.points.push({ t: inWindow[index - 1]!.t, value: 0 });
        out.set(item.key, entry);
      }
      entry.points.push({ t: snap.t, value: item.value });
    }
  });
  return out;
}

/** The service's own 5xx share over the window: increase of the 5xx series over increase of all. */
export function judgeServiceErrors(snapshots: readonly Stamped<ServiceSnapshot>[], max: number, window: Window): Part {
  const series = seriesInWindow(snapshots, (s) => s.requests?.series ?? null, window);
  const scrapes = snapshots.filter((s) => s.t >= window.start && s.t <= window.end).length;
  const metric = snapshots.find((s) => s.value.requests)?.value.requests?.metric ?? 'requests';
  let errors = 0;
  let total = 0;
  for (const { item, points } of series.values()) {
    const increase = counterIncrease(points, window.start, window.end);
    if (increase === null) continue;
    total += increase;
    if (item.error) errors += increase;
  }
  if (scrapes < 2) return { verdict: 'no_data', text: `[SERVICE 5XX] ${metric}: expected 2 scrapes between ${span(window)}, received ${scrapes}`, value: null, samples: scrapes };
  if (total <= 0) return { verdict: 'healthy', text: `[SERVICE 5XX] ${metric}: no request counted ${span(window)}`, value: null, samples: scrapes };
  const share = errors / total;
  const ok = share <= max;
  return {
    verdict: ok ? 'healthy' : 'unhealthy',
    text: `[SERVICE 5XX] ${metric} (${pct(share)}, ${Math.round(errors)} of ${Math.round(total)} requests) <= ${pct(max)} ${span(window)}`,
    value: share,
    samples: scrapes,
  };
}

/** The service's own latency percentile over the window: histogram_quantile of the buckets' increase, summed by `le`. */
export function judgeServiceLatency(snapshots: readonly Stamped<ServiceSnapshot>[], percentileRank: number, sloMs: number, window: Window): Part {
  const series = seriesInWindow(snapshots, (s) => s.duration?.series ?? null, window);
  const scrapes = snapshots.filter((s) => s.t >= window.start && s.t <= window.end).length;
  const histogram = snapshots.find((s) => s.value.duration)?.value.duration;
  const metric = histogram?.metric ?? 'duration';
  if (scrapes < 2) return { verdict: 'no_data', text: `[SERVICE P${percentileRank}] ${metric}: expected 2 scrapes between ${span(window)}, received ${scrapes}`, value: null, samples: scrapes };
  const byLe = new Map<number, number>();
  for (const { item, points } of series.values()) {
    const increase = counterIncrease(points, window.start, window.end);
    if (increase !== null) byLe.set(item.le, (byLe.get(item.le) ?? 0) + increase);
  }
  const quantile = histogramQuantile(percentileRank / 100, [...byLe].map(([upperBound, count]) => ({ upperBound, count })));
  if (Number.isNaN(quantile)) return { verdict: 'healthy', text: `[SERVICE P${percentileRank}] ${metric}: no request observed ${span(window)}`, value: null, samples: scrapes };
  const valueMs = histogram?.unit === 'milliseconds' ? quantile : quantile * 1000;
  const ok = valueMs <= sloMs;
  return {
    verdict: ok ? 'healthy' : 'unhealthy',
    text: `[SERVICE P${percentileRank}] ${metric} ${ms(valueMs)} ${ok ? '<=' : '>'} ${ms(sloMs)} ${span(window)}`,
    value: valueMs / sloMs,
    samples: scrapes,
  };
}

/**
 * The trend of a series: the repeated-median slope of the later half of the window (at least
 * its last 3 samples). Only the later half, so growth that has stopped (a cache or JIT warming
 * up after the start) is history, not a trend; repeated median, so the few samples still on the
 * warm-up's slope, or a GC dip, do not move it. A leak grows through the whole window, so it
 * shows in any half of it.
 */
export function judgeTrend(all: readonly Point[], judge: Extract<WatchJudgement, { kind: 'trend' }>, window: Window): Part {
  const points = all.filter((pt) => pt.t >= window.start && pt.t <= window.end);
  const half = window.start + (window.end - window.start) / 2;
  let later = points.filter((pt) => pt.t >= half);
  if (later.length < 3) later = points.slice(-3);
  // The repeated median is O(n² log n): a long window (a day at 15 s is 5,760 samples) is thinned
  // evenly to at most MAX_TREND_POINTS, which leaves the slope of a trend unchanged.
  if (later.length > MAX_TREND_POINTS) {
    const stride = later.length / MAX_TREND_POINTS;
    later = Array.from({ length: MAX_TREND_POINTS }, (_, i) => later[Math.floor(i * stride)]!);
  }
  const trend = repeatedMedianSlope(later);
  if (trend === null) return { verdict: 'no_data', text: `series ${judge.series}: expected at least 3 samples between ${span(window)}, received ${points.length}`, value: null, samples: points.length };
  const checks: string[] = [];
  let ok = true;
  if (judge.maxSlopePerMinute !== undefined) {
    ok &&= trend.slopePerMinute <= judge.maxSlopePerMinute;
    checks.push(`(${num(trend.slopePerMinute)}/min) <= ${num(judge.maxSlopePerMinute)}/min`);
  }
  if (judge.maxRelativeSlopePerMinute !== undefined) {
    const relative = trend.relativeSlopePerMinute ?? (trend.slopePerMinute > 0 ? Number.POSITIVE_INFINITY : 0);
    ok &&= relative <= judge.maxRelativeSlopePerMinute;
    checks.push(`(${pct(relative, 3)}/min of median ${num(trend.median)}) <= ${pct(judge.maxRelativeSlopePerMinute, 3)}/min`);
  }
  const from = later[0]!.t;
  return {
    verdict: ok ? 'healthy' : 'unhealthy',
    text: `[TREND ${judge.series}] ${checks.join(' and ')}, repeated-median slope of ${trend.points} samples T+${formatOffset(Math.round(from / 1000) * 1000)}..T+${formatOffset(Math.round(window.end / 1000) * 1000)}`,
    value: judge.maxRelativeSlopePerMinute !== undefined ? trend.relativeSlopePerMinute : trend.slopePerMinute,
    samples: trend.points,
  };
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

