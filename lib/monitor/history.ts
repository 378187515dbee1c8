// What the status page shows about one target, kept small in memory: one point per result
// for the retention window, the last result in full, and the latest failures with reasons.
import { percentile } from '../alerting/evaluate.js';
import type { CheckResult } from '../model/result.js';

export interface Point {
  /** Start time, epoch ms. */
  t: number;
  ok: boolean;
  degraded: boolean;
  ms: number;
}

export interface FailureNote {
  at: string;
  kind: string;
  message: string;
  status: number | null;
  step?: string;
}

export interface LatencyBucket {
  /** Bucket start, epoch ms. */
  t: number;
  p50: number;
  p95: number;
  n: number;
}

export const MAX_FAILURE_NOTES = 20;

/** One stretch of the up/down timeline: how many runs passed and failed in it. */
export interface TimelineBucket {
  /** Start and end, epoch ms. */
  t: number;
  end: number;
  up: number;
  down: number;
}

export class TargetHistory {
  readonly points: Point[] = [];
  readonly failures: FailureNote[] = [];
  last: CheckResult | null = null;
  lastCert: { days: number; at: string } | null = null;

  add(result: CheckResult): void {
    if (result.skipped) return;
    const point: Point = { t: Date.parse(result.startedAt), ok: result.ok, degraded: result.degraded, ms: Math.round(result.durationMs) };
    // Results arrive in time order except on replay of an unordered file; keep the array sorted.
    let i = this.points.length;
    while (i > 0 && this.points[i - 1]!.t > point.t) i--;
    this.points.splice(i, 0, point);
    if (!this.last || Date.parse(this.last.startedAt) <= point.t) this.last = result;
    if (result.certDaysRemaining !== null && (!this.lastCert || this.lastCert.at <= result.startedAt)) {
      this.lastCert = { days: result.certDaysRemaining, at: result.startedAt };
    }
    if (!result.ok && result.failure) {
      this.failures.push({
        at: result.startedAt,
        kind: result.failure.kind,
        message: result.failure.message,
        status: result.status,
        ...(result.failure.step ? { step: result.failure.step } : {}),
      });
      this.failures.sort((a, b) => b.at.localeCompare(a.at));
      if (this.failures.length > MAX_FAILURE_NOTES) this.failures.length = MAX_FAILURE_NOTES;
    }
  }

  /**
   * The latest unbroken run of failures: from its first failing run to its last, and the last
   * failure's note. Read from the stored results, so it survives a restart. Null when the
   * latest run passed and no failure precedes it in the retained history.
   */
  failureStreak(): { since: number; until: number; ongoing: boolean; note: FailureNote | null } | null {
    let i = this.points.length - 1;
    const ongoing = i >= 0 && !this.points[i]!.ok;
    while (i >= 0 && this.points[i]!.ok) i--;
    if (i < 0) return null;
    const until = this.points[i]!.t;
    while (i > 0 && !this.points[i - 1]!.ok) i--;
    const since = this.points[i]!.t;
    const note = this.failures.find((f) => Date.parse(f.at) <= until) ?? null;
    return { since, until, ongoing, note };
  }

  prune(before: number): void {
    let n = 0;
    while (n < this.points.length && this.points[n]!.t < before) n++;
    if (n > 0) this.points.splice(0, n);
  }

  /** Share of runs since `since` that passed (degraded counts as up); null without runs. */
  uptime(since: number): number | null {
    let total = 0;
    let up = 0;
    for (let i = this.points.length - 1; i >= 0; i--) {
      const p = this.points[i]!;
      if (p.t < since) break;
      total++;
      if (p.ok) up++;
    }
    return total === 0 ? null : up / total;
  }

  /**
   * How much of the window from `since` to `now` the figures cover: from the first run in it
   * (or `since` when runs older than the window exist) to `now`. Null without runs. A monitor
   * that started 3 h ago has 3 h of its "7 days", and the page must say so.
   */
  coveredMs(since: number, now: number): number | null {
    const first = this.points[0];
    if (first === undefined || this.points[this.points.length - 1]!.t < since) return null;
    return Math.max(0, now - Math.max(since, first.t));
  }

  since(since: number): Point[] {
    let i = this.points.length;
    while (i > 0 && this.points[i - 1]!.t >= since) i--;
    return this.points.slice(i);
  }

  /**
   * p50/p95 of passing runs in up to `buckets` equal buckets between the first point after
   * `since` and `now`: a fresh monitor shows minutes, a long-running one the whole day.
   */
  latencySeries(since: number, now: number, buckets: number): LatencyBucket[] {
    const points = this.since(since).filter((p) => p.ok);
    if (points.length === 0) return [];
    const start = points[0]!.t;
    const width = Math.max(1000, Math.ceil((now - start + 1) / buckets));
    const grouped = new Map<number, number[]>();
    for (const p of points) {
      const key = start + Math.floor((p.t - start) / width) * width;
      const list = grouped.get(key);
      if (list) list.push(p.ms);
      else grouped.set(key, [p.ms]);
    }
    return [...grouped.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([t, values]) => ({ t, p50: percentile(values, 50)!, p95: percentile(values, 95)!, n: values.length }));
  }

  /**
   * Up/down over `buckets` equal stretches from `since` (or the first run after it) to `now`:
   * every run counts, failures included, so an outage shows as what it was.
   */
  timeline(since: number, now: number, buckets: number): TimelineBucket[] {
    const points = this.since(since);
    const start = points.length > 0 ? Math.max(since, Math.min(points[0]!.t, now - 60_000)) : now - 60_000;
    const width = Math.max(1000, Math.ceil((now - start + 1) / buckets));
    const out: TimelineBucket[] = [];
    for (let i = 0; i < buckets; i++) out.push({ t: start + i * width, end: start + (i + 1) * width, up: 0, down: 0 });
    for (const p of points) {
      const b = out[Math.min(buckets - 1, Math.max(0, Math.floor((p.t - start) / width)))]!;
      if (p.ok) b.up++;
      else b.down++;
    }
    return out;
  }

  /** p50/p95 over passing runs since `since`. */
  latency(since: number): { p50: number; p95: number } | null {
    const values = this.since(since)
      .filter((p) => p.ok)
      .map((p) => p.ms);
    if (values.length === 0) return null;
    return { p50: percentile(values, 50)!, p95: percentile(values, 95)! };
  }
}
