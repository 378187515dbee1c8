// What the fleet-health alarms watch and when, as plain data (no aws-cdk-lib): the CDK
// factories (fleetHealthAlarms.ts) build from it and the cost model (lib/cost/fleetUsage.ts)
// counts from it, so the two cannot drift.
//
// Silence of a shard is read from AWS/Lambda `Invocations` of its function, in the probe's
// region. Lambda publishes the metric only for periods with invocations, so a silent shard is
// a run of missing datapoints, and so is a shard that has not run yet. The two differ only in
// the alarm's own history, which CloudWatch keeps for us: with treatMissingData `missing` an
// alarm whose whole evaluation range is missing goes to INSUFFICIENT_DATA
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data).
// A new alarm starts there and stays there until the first datum (no transition, no action);
// a shard that stops turns an OK alarm to INSUFFICIENT_DATA, and that transition is what
// notifies the operator (InsufficientDataActions). So nothing is sent before the first datum.
import { parseCron } from '../config/cron.js';
import { nextRunAfter } from '../config/schedule.js';
import { scheduleShape } from '../alerting/scheduleShape.js';
import type { Shard } from '../lambda/shards.js';

/**
 * Datapoints CloudWatch reads beyond `evaluationPeriods` when data is missing: its
 * documentation's example reads 5 for 3 (lib/alerting/evaluate.ts uses the same range).
 * With one evaluation period the range is 3 periods: a shard is reported silent when three
 * whole alarm periods pass without an invocation.
 */
export const SILENCE_RANGE_PERIODS = 3;
/** EventBridge fires a scheduled rule within its minute; a run may start up to this late. */
const SCHEDULE_JITTER_SECONDS = 120;
/** CloudWatch alarm periods: multiples of 60 s; for the business-hours expression also a divisor of an hour, so HOUR() of every period is the hour it lies in. */
const HOUR_DIVISORS = [60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800, 3600];
/**
 * Lambda's metrics reach CloudWatch a minute or two after the invocation; a range of three
 * 1-minute periods would read that delay as silence, so a silence period is at least 2 minutes.
 */
const MIN_SILENCE_PERIOD_SECONDS = 120;
/** The longest alarm period used for silence; a schedule quieter than 3 of these gets no silence alarm. */
export const MAX_SILENCE_PERIOD_SECONDS = 86_400;
/** Alarm expressions are limited in length; a business-hours predicate longer than this falls back to the longest gap. */
const MAX_EXPRESSION_CHARS = 1000;

/** Hours (UTC) in which the schedule runs steadily, per weekday (metric math DAY(): 1 = Monday … 7 = Sunday). */
export type ActiveHours = ReadonlyMap<number, readonly number[]>;

export type SilencePlan =
  | {
      kind: 'steady';
      /** Alarm period: three of them always hold a run of a healthy shard. */
      periodSeconds: number;
      /** The gap between runs that the period was sized for. */
      gapSeconds: number;
    }
  | {
      kind: 'hours';
      periodSeconds: number;
      gapSeconds: number;
      active: ActiveHours;
      /** The predicate (true = the shard should be running), over `base`, a series with a datapoint in every period. */
      predicate: (base: string) => string;
    }
  | { kind: 'none'; reason: string };

/** The smallest alarm period whose evaluation range outlasts a gap of `gapSeconds` plus the schedule's jitter. */
function periodFor(gapSeconds: number, divisorOfHour: boolean): number | null {
  const needed = Math.max(MIN_SILENCE_PERIOD_SECONDS, Math.ceil((gapSeconds + SCHEDULE_JITTER_SECONDS) / SILENCE_RANGE_PERIODS));
  if (divisorOfHour) return HOUR_DIVISORS.find((p) => p >= needed) ?? null;
  const period = Math.ceil(needed / 60) * 60;
  return period <= MAX_SILENCE_PERIOD_SECONDS ? period : null;
}

const WEEK_START = Date.UTC(2024, 0, 1); // a Monday
const HOUR_MS = 3_600_000;

/** A cron whose firings repeat every week: day-of-month `?`, every month, every year. */
function repeatsWeekly(schedule: string): boolean {
  const parsed = parseCron(schedule);
  if (!parsed.ok) return false;
  const { dayOfMonth, months, years } = parsed.spec;
  return dayOfMonth.kind === 'defer' && months.size === 12 && years.length === 2199 - 1970 + 1;
}

/**
 * The (weekday, hour) slots in which a healthy shard leaves no gap longer than its shortest
 * one: its first run in the hour comes within one gap of the hour's start, runs follow each
 * other within one gap, and the last one is within one gap of the hour's end. Any evaluation
 * range (longer than one gap) that lies wholly in such hours then holds a run.
 */
export function activeHours(schedule: Shard['schedule'], gapSeconds: number): ActiveHours {
  const gapMs = gapSeconds * 1000;
  const firings: number[] = [];
  // A week and a day of firings, from the Sunday before the week, so the first hours see their predecessor.
  let t = new Date(WEEK_START - 86_400_000 - 1);
  const end = WEEK_START + 8 * 86_400_000;
  while (t.getTime() < end) {
    t = nextRunAfter(schedule, t);
    firings.push(t.getTime());
  }
  const active = new Map<number, number[]>();
  for (let slot = 0; slot < 7 * 24; slot++) {
    const start = WEEK_START + slot * HOUR_MS;
    const stop = start + HOUR_MS;
    const inside = firings.filter((f) => f >= start && f < stop);
    if (inside.length === 0) continue;
    const first = inside[0]!;
    const last = inside[inside.length - 1]!;
    const steady = inside.every((f, i) => i === 0 || f - inside[i - 1]! <= gapMs);
    if (!(first - start < gapMs && stop - last <= gapMs && steady)) continue;
    const weekday = Math.floor(slot / 24) + 1; // DAY(): 1 = Monday
    const hours = active.get(weekday) ?? [];
    hours.push(slot % 24);
    active.set(weekday, hours);
  }
  return active;
}

/** Contiguous runs of sorted integers: [9,10,11,14] → [[9,11],[14,14]]. */
function runs(values: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const v of values) {
    const last = out[out.length - 1];
    if (last && v === last[1] + 1) last[1] = v;
    else out.push([v, v]);
  }
  return out;
}

/**
 * `(DAY(b) >= 1 AND DAY(b) <= 5 AND HOUR(b) >= 9 AND HOUR(b) <= 16) OR …`: weekdays with the
 * same active hours share a clause. DAY and HOUR read each datapoint's timestamp in UTC
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#metric-math-syntax).
 */
export function hoursPredicate(active: ActiveHours, base: string): string {
  const byHours = new Map<string, number[]>();
  for (let day = 1; day <= 7; day++) {
    const hours = active.get(day);
    if (!hours || hours.length === 0) continue;
    const key = hours.join(',');
    byHours.set(key, [...(byHours.get(key) ?? []), day]);
  }
  const range = (fn: string, [low, high]: [number, number], min: number, max: number): string[] => {
    if (low === min && high === max) return [];
    if (low === high) return [`${fn}(${base}) == ${low}`];
    return [...(low > min ? [`${fn}(${base}) >= ${low}`] : []), ...(high < max ? [`${fn}(${base}) <= ${high}`] : [])];
  };
  const clauses: string[] = [];
  for (const [key, days] of byHours) {
    const hours = key.split(',').map(Number);
    for (const dayRun of runs(days)) {
      for (const hourRun of runs(hours)) {
        const terms = [...range('DAY', dayRun, 1, 7), ...range('HOUR', hourRun, 0, 23)];
        clauses.push(terms.length === 0 ? '1' : `(${terms.join(' AND ')})`);
      }
    }
  }
  return clauses.length === 0 ? '0' : clauses.join(' OR ');
}

/**
 * How the silence of one shard is watched:
 * - a schedule with even gaps (fixed periods, `cron(0/5 * * * ? *)`): a plain alarm on
 *   Invocations over a period sized so that three of them always hold a run;
 * - a weekly cron with quiet hours (business hours): the same, but the periods outside the
 *   hours in which the shard runs steadily are given a datapoint of 1, so they never count as
 *   silent;
 * - any other uneven cron: as a steady schedule whose gap is the longest one (slow, but never
 *   wrong); none when even that exceeds three days.
 */
export function silencePlan(shard: Pick<Shard, 'schedule' | 'periodSeconds'>): SilencePlan {
  const shape = scheduleShape(shard.schedule);
  if (!shape.uneven) {
    const gap = Math.max(shard.periodSeconds, shape.longestGapSeconds);
    const period = periodFor(gap, false);
    return period === null ? { kind: 'none', reason: `runs only every ${gap} s` } : { kind: 'steady', periodSeconds: period, gapSeconds: gap };
  }
  const gap = shape.shortestGapSeconds;
  if (gap <= 3600 && repeatsWeekly(shard.schedule)) {
    const period = periodFor(gap, true);
    const active = activeHours(shard.schedule, gap);
    const predicate = (base: string): string => hoursPredicate(active, base);
    if (period !== null && active.size > 0 && predicate('x').length <= MAX_EXPRESSION_CHARS) {
      return { kind: 'hours', periodSeconds: period, gapSeconds: gap, active, predicate };
    }
  }
  const longest = shape.longestGapSeconds;
  const period = periodFor(longest, false);
  return period === null ? { kind: 'none', reason: `its longest quiet gap is ${longest} s` } : { kind: 'steady', periodSeconds: period, gapSeconds: longest };
}

/** Period of the per-shard failure alarm (Lambda errors and throttles, failed EventBridge deliveries). */
export const FAILURE_PERIOD_SECONDS = 300;

/** Alarms of one shard: silence (when the schedule allows one) and failures. */
export function shardHealthAlarmMetrics(shard: Pick<Shard, 'schedule' | 'periodSeconds'>): { silence: number; failures: number } {
  return { silence: silencePlan(shard).kind === 'none' ? 0 : 1, failures: 3 };
}

/**
 * Per region with probes: InvocationErrors (2 metrics: with and without the Fleet dimension),
 * PublishFailures (1), the dead-letter queue's depth (1). In the home region, per probe region:
 * SecretLookupFailures (1).
 */
export const REGION_HEALTH_ALARM_METRICS = 4;
export const HOME_HEALTH_ALARM_METRICS_PER_REGION = 1;
