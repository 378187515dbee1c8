// Watch plans: a timeline of judgements after a deploy. The built-in plan is the field's
// "riskiest ten minutes" list; a fleet may replace it or add named plans in `release.watch`.
import type { Fleet, SeriesSource, WatchJudgement, WatchPlan } from '../model/fleet.js';
import { parseOffset } from './duration.js';

export const DEFAULT_PLAN_NAME = 'default';

export const DEFAULT_WATCH_PLAN: WatchPlan = {
  probeInterval: '15s',
  scrapeInterval: '15s',
  steps: [
    { name: 'error rate baseline', at: '0s', judge: { kind: 'errorRate', max: 0 } },
    { name: 'p95 latency within SLO', at: '2m', window: '2m', judge: { kind: 'latency', percentile: 95 } },
    { name: 'memory trend stable', at: '5m', window: '5m', judge: { kind: 'trend', series: 'memory', maxRelativeSlopePerMinute: 0.01 } },
    { name: 'DB connection pool not growing', at: '10m', window: '10m', judge: { kind: 'trend', series: 'dbPool', maxSlopePerMinute: 0.5 } },
    { name: 'no memory creep', at: '30m', window: '30m', judge: { kind: 'trend', series: 'memory', maxRelativeSlopePerMinute: 0.002 } },
  ],
};

/**
 * Every step also judges the probes and the service's own 5xx share over its window. Probes: at
 * most 5 % of a check's probes may fail, so one failure in a window of fewer than 20 probes of a
 * check fails the step (two minutes at 15 s is 8). The service's own traffic: at most 1 % 5xx.
 */
export const DEFAULT_MAX_PROBE_ERROR_RATE = 0.05;
export const DEFAULT_MAX_SERVICE_ERROR_RATE = 0.01;

/** Where the default plan's series come from unless `release.watch.series` says otherwise. */
export const DEFAULT_SERIES: Record<string, SeriesSource> = {
  memory: { prometheus: { metric: 'process_resident_memory_bytes', aggregate: 'sum' } },
  dbPool: { prometheus: { metric: 'db_pool_connections', aggregate: 'sum' } },
};

export interface ResolvedStep {
  name: string;
  atMs: number;
  /** Null: since the previous step (from T+0 for the first). */
  windowMs: number | null;
  judge: WatchJudgement;
}

export interface ResolvedPlan {
  name: string;
  steps: ResolvedStep[];
  probeIntervalMs: number;
  scrapeIntervalMs: number;
  /** Per check, the share of failed probes any step tolerates in its window. */
  maxProbeErrorRate: number;
  /** The service's own 5xx share any step tolerates in its window, when the service exports a request counter. */
  maxServiceErrorRate: number;
  tags?: string[];
  /** Series the plan's trend steps read. */
  series: Record<string, SeriesSource>;
}

export type PlanResolution = { ok: true; plan: ResolvedPlan } | { ok: false; errors: string[] };

export function planNames(fleet: Fleet): string[] {
  return [...new Set([DEFAULT_PLAN_NAME, ...Object.keys(fleet.release?.watch?.plans ?? {})])];
}

/** Picks a plan by name and turns its text durations into milliseconds, reporting every problem at once. */
export function resolvePlan(fleet: Fleet, name: string = DEFAULT_PLAN_NAME): PlanResolution {
  const plans = fleet.release?.watch?.plans ?? {};
  const plan = plans[name] ?? (name === DEFAULT_PLAN_NAME ? DEFAULT_WATCH_PLAN : undefined);
  if (!plan) return { ok: false, errors: [`watch plan '${name}': expected one of ${planNames(fleet).join(', ')}, received '${name}'`] };
  const errors: string[] = [];
  const where = `release.watch.plans.${name}`;
  const duration = (text: string | undefined, path: string, fallback: number, positive: boolean): number => {
    if (text === undefined) return fallback;
    const ms = parseOffset(text);
    if (ms === null || (positive && ms === 0)) {
      errors.push(`${where}.${path}: expected a ${positive ? 'positive ' : ''}duration such as 0s, 90s, 2m or 1h, received ${JSON.stringify(text)}`);
      return fallback;
    }
    return ms;
  };
  const series = { ...DEFAULT_SERIES, ...fleet.release?.watch?.series };
  const steps: ResolvedStep[] = plan.steps.map((step, i) => {
    const atMs = duration(step.at, `steps[${i}].at`, 0, false);
    const windowMs = step.window === undefined ? null : duration(step.window, `steps[${i}].window`, 0, true);
    if (step.judge.kind === 'trend' && !(step.judge.series in series)) {
      errors.push(`${where}.steps[${i}].judge.series: expected one of ${Object.keys(series).join(', ')}, received ${JSON.stringify(step.judge.series)}`);
    }
    return { name: step.name, atMs, windowMs, judge: step.judge };
  });
  for (let i = 1; i < steps.length; i++) {
    if (steps[i]!.atMs < steps[i - 1]!.atMs) errors.push(`${where}.steps[${i}].at: expected steps in time order, received ${plan.steps[i]!.at} after ${plan.steps[i - 1]!.at}`);
  }
  if (steps.length === 0) errors.push(`${where}.steps: expected at least one step, received none`);
  const resolved: ResolvedPlan = {
    name,
    steps,
    probeIntervalMs: duration(plan.probeInterval, 'probeInterval', 15_000, true),
    scrapeIntervalMs: duration(plan.scrapeInterval, 'scrapeInterval', 15_000, true),
    maxProbeErrorRate: plan.maxProbeErrorRate ?? DEFAULT_MAX_PROBE_ERROR_RATE,
    maxServiceErrorRate: plan.maxServiceErrorRate ?? DEFAULT_MAX_SERVICE_ERROR_RATE,
    series,
    ...(plan.tags ? { tags: plan.tags } : {}),
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, plan: resolved };
}

/** Plan length: the last step's offset. */
export function planDurationMs(plan: ResolvedPlan): number {
  return plan.steps.reduce((max, s) => Math.max(max, s.atMs), 0);
}
