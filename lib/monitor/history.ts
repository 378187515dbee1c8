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
  // One run = one slot in three typed arrays (start ms, duration ms, ok/degraded bits): a week
  // of a one-minute check is 10,080 slots of 13 bytes, not 10,080 objects for the collector to
  // walk. Slots [head, tail) are live, in start-time order.
  private tMs = new Float64Array(256);
  private durMs = new Float32Array(256);
  private bits = new Uint8Array(256);
  private head = 0;
  private tail = 0;
  readonly failures: FailureNote[] = [];
  last: CheckResult | null = null;
  lastCert: { days: number; at: string } | null = null;

  get size(): number {
    return this.tail - this.head;
  }

  private point(i: number): Point {
    const b = this.bits[i]!;
    return { t: this.tMs[i]!, ok: (b & 1) === 1, degraded: (b & 2) === 2, ms: Math.round(this.durMs[i]!) };
  }

  private grow(): void {
    const live = this.tail - this.head;
    const capacity = live * 2 > this.tMs.length ? this.tMs.length * 2 : this.tMs.length;
    const t = new Float64Array(capacity);
    const d = new Float32Array(capacity);
    const b = new Uint8Array(capacity);
    t.set(this.tMs.subarray(this.head, this.tail));
    d.set(this.durMs.subarray(this.head, this.tail));
    b.set(this.bits.subarray(this.head, this.tail));
    this.tMs = t;
    this.durMs = d;
    this.bits = b;
    this.head = 0;
    this.tail = live;
  }

  /** A run's point alone (a replayed run that passed needs no more). */
  addPoint(t: number, ok: boolean, degraded: boolean, ms: number): void {
    if (this.tail === this.tMs.length) this.grow();
    // Results arrive in time order except on replay of an unordered file; keep the slots sorted.
    let i = this.tail;
    while (i > this.head && this.tMs[i - 1]! > t) i--;
    if (i < this.tail) {
      this.tMs.copyWithin(i + 1, i, this.tail);
      this.durMs.copyWithin(i + 1, i, this.tail);
      this.bits.copyWithin(i + 1, i, this.tail);
    }
    this.tMs[i] = t;
    this.durMs[i] = ms;
    this.bits[i] = (ok ? 1 : 0) | (degraded ? 2 : 0);
    this.tail++;
  }

  add(result: CheckResult): void {
    if (result.skipped) return;
    const t = Date.parse(result.startedAt);
    this.addPoint(t, result.ok, result.degraded, Math.round(result.durationMs));
    if (!this.last || Date.parse(this.last.startedAt) <= t) this.last = result;
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
   * failure's note. Read from the stored results, so it survives a restart. Null when no
   * failure is in the retained history.
   */
  failureStreak(): { since: number; until: number; ongoing: boolean; note: FailureNote | null } | null {
    const ok = (i: number): boolean => (this.bits[i]! & 1) === 1;
    let i = this.tail - 1;
    const ongoing = i >= this.head && !ok(i);
    while (i >= this.head && ok(i)) i--;
    if (i < this.head) return null;
    const until = this.tMs[i]!;
    while (i > this.head && !ok(i - 1)) i--;
    const since = this.tMs[i]!;
    const note = this.failures.find((f) => Date.parse(f.at) <= until) ?? null;
    return { since, until, ongoing, note };
  }

  prune(before: number): void {
    while (this.head < this.tail && this.tMs[this.head]! < before) this.head++;
    if (this.head > this.tMs.length / 2) this.grow();
  }

  /** First slot at or after `since`. */
  private firstFrom(since: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.tMs[mid]! < since) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Share of runs since `since` that passed (degraded counts as up); null without runs. */
  uptime(since: number): number | null {
    let up = 0;
    const from = this.firstFrom(since);
    for (let i = from; i < this.tail; i++) up += this.bits[i]! & 1;
    const total = this.tail - from;
    return total === 0 ? null : up / total;
  }

  /**
   * How much of the window from `since` to `now` the figures cover: from the first run in it
   * (or `since` when runs older than the window exist) to `now`. Null without runs. A monitor
   * that started 3 h ago has 3 h of its "7 days", and the page must say so.
   */
  coveredMs(since: number, now: number): number | null {
    if (this.tail === this.head || this.tMs[this.tail - 1]! < since) return null;
    return Math.max(0, now - Math.max(since, this.tMs[this.head]!));
  }

  since(since: number): Point[] {
    const out: Point[] = [];
    for (let i = this.firstFrom(since); i < this.tail; i++) out.push(this.point(i));
    return out;
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
