// The watch's judgements as pure functions: per-check probe errors, latency of passing probes,
// the service's own 5xx share and percentile from its counters, and the robust trend.
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../lib/model/result.js';
import type { ServiceSnapshot } from '../../lib/release/seriesReaders.js';
import type { Point } from '../../lib/release/stats.js';
import { leastSquaresTrend, repeatedMedianSlope } from '../../lib/release/stats.js';
import type { Part, Stamped } from '../../lib/release/watch.js';
import { combine, judgeProbeErrors, judgeProbeLatency, judgeServiceErrors, judgeServiceLatency, judgeTrend } from '../../lib/release/watch.js';
import { result } from '../publish/results.js';

const M = 60_000;
const window = (start: number, end: number): { start: number; end: number } => ({ start, end });

describe('judgeProbeErrors: per check, not pooled', () => {
  it('one check failing 1 in 3 among 20 fails, though the pooled rate (1.7%) is under 5%', () => {
    const results: CheckResult[] = [];
    for (let round = 0; round < 6; round++) {
      for (let c = 0; c < 20; c++) {
        const bad = c === 7 && round % 3 === 2;
        results.push(result({ checkId: `check${c}`, ok: !bad, status: bad ? 503 : 200, failure: bad ? { kind: 'assertion', message: 'status: expected 200, got 503', retryable: true } : null }));
      }
    }
    const part = judgeProbeErrors(results, 0.05, window(0, 2 * M));
    expect(part.verdict).toBe('unhealthy');
    expect(part.value).toBeCloseTo(1 / 3, 9);
    expect(part.text).toBe('[ERROR RATE] worst check check7 (33.3%, 2 of 6 probes) <= 5.0% per check, 20 checks T+0s..T+2m; first failure: assertion (HTTP 503)');
  });

  const table: { name: string; failures: number; of: number; max: number; verdict: Part['verdict'] }[] = [
    { name: 'no failure under max 0', failures: 0, of: 8, max: 0, verdict: 'healthy' },
    { name: 'one failure under max 0', failures: 1, of: 8, max: 0, verdict: 'unhealthy' },
    { name: 'one failure in 8 under 5%', failures: 1, of: 8, max: 0.05, verdict: 'unhealthy' },
    { name: 'one failure in 20 under 5% (exactly at the limit)', failures: 1, of: 20, max: 0.05, verdict: 'healthy' },
    { name: '230 of 240 failing', failures: 230, of: 240, max: 0.05, verdict: 'unhealthy' },
  ];
  for (const row of table) {
    it(`${row.name}: ${row.verdict}`, () => {
      const results = Array.from({ length: row.of }, (_, i) => result({ ok: i >= row.failures }));
      expect(judgeProbeErrors(results, row.max, window(0, M)).verdict).toBe(row.verdict);
    });
  }

  it('no result in the window is "no data", never healthy', () => {
    expect(judgeProbeErrors([], 0, window(0, 0))).toMatchObject({ verdict: 'no_data', samples: 0 });
  });
});

describe('judgeProbeLatency: passing exchanges only', () => {
  it('19 fast 503s and one slow pass: the p95 is the pass (400 ms > 250 ms), not 25 ms', () => {
    const results = [...Array.from({ length: 19 }, () => result({ ok: false, status: 503, durationMs: 5 })), result({ ok: true, durationMs: 400 })];
    const part = judgeProbeLatency(results, 95, () => 250, window(0, 2 * M));
    expect(part.verdict).toBe('unhealthy');
    expect(part.text).toBe('[LATENCY] health p95 400 ms > 250 ms (passing probes only)');
    expect(part.samples).toBe(1);
  });

  it('only failures: no latency sample, "no data" (the error rate judges them)', () => {
    const results = Array.from({ length: 5 }, () => result({ ok: false, status: 503, durationMs: 3 }));
    expect(judgeProbeLatency(results, 95, () => 250, window(0, M)).verdict).toBe('no_data');
  });

  it('per check against its own SLO; a check without one is not judged', () => {
    const results = [result({ checkId: 'a', durationMs: 200 }), result({ checkId: 'b', durationMs: 200 }), result({ checkId: 'c', durationMs: 9000 })];
    const part = judgeProbeLatency(results, 95, (id) => ({ a: 250, b: 150 })[id] ?? null, window(0, M));
    expect(part.verdict).toBe('unhealthy');
    expect(part.text).toBe('[LATENCY] b p95 200 ms > 150 ms (passing probes only)');
  });
});

/** Snapshots of a service's counters every 15 s from `from` to `to`, computed by `at(t)`. */
function snapshots(from: number, to: number, at: (t: number) => ServiceSnapshot): Stamped<ServiceSnapshot>[] {
  const out: Stamped<ServiceSnapshot>[] = [];
  for (let t = from; t <= to; t += 15_000) out.push({ t, value: at(t) });
  return out;
}

function requests(ok: number, errors: number | null): ServiceSnapshot {
  const series = [{ key: 'code="200"', value: ok, error: false }];
  if (errors !== null) series.push({ key: 'code="503"', value: errors, error: true });
  return { requests: { metric: 'http_requests_total', series }, duration: null };
}

describe("judgeServiceErrors: the service's own 5xx share", () => {
  it('100 requests a second, 20% of them 5xx: 20%', () => {
    const snaps = snapshots(0, 2 * M, (t) => requests((t / 1000) * 80, (t / 1000) * 20));
    const part = judgeServiceErrors(snaps, 0.01, window(0, 2 * M));
    expect(part.verdict).toBe('unhealthy');
    expect(part.value).toBeCloseTo(0.2, 9);
    expect(part.text).toBe('[SERVICE 5XX] http_requests_total (20.0%, 2400 of 12000 requests) <= 1.0% T+0s..T+2m');
  });

  it('a restart (counters back to 0) is a reset, not negative traffic', () => {
    // 100 req/s, 0.5% errors; the process restarts at 60 s and counts from 0 again.
    const snaps = snapshots(0, 2 * M, (t) => {
      const since = t >= M ? t - M : t;
      return requests((since / 1000) * 99.5, (since / 1000) * 0.5);
    });
    const part = judgeServiceErrors(snaps, 0.01, window(0, 2 * M));
    expect(part.verdict).toBe('healthy');
    expect(part.value).toBeCloseTo(0.005, 9);
    // What the old process served after its last scrape (45 s to 60 s) was never scraped: it is
    // lost, as in PromQL; the new process counts from 0. 105 s of traffic are seen, not 120 s.
    expect(part.text).toMatch(/\(0\.5%, 53 of 10500 requests\)/);
  });

  it('a 5xx series that appears during the watch counts from zero (PromQL alone would miss the first burst)', () => {
    // No 503 line until 60 s, then 4,800 at once, then no more.
    const snaps = snapshots(0, 2 * M, (t) => requests((t / 1000) * 100, t >= M ? 4800 : null));
    const part = judgeServiceErrors(snaps, 0.01, window(0, 2 * M));
    expect(part.verdict).toBe('unhealthy');
    expect(part.text).toMatch(/4800 of 16800 requests/);
  });

  it('fewer than two scrapes in the window cannot give a rate: "no data"', () => {
    expect(judgeServiceErrors(snapshots(0, 0, () => requests(10, 0)), 0.01, window(0, 10_000)).verdict).toBe('no_data');
  });

  it('no request counted is healthy on this count (the probes judge availability)', () => {
    expect(judgeServiceErrors(snapshots(0, M, () => requests(10, 0)), 0.01, window(0, M))).toMatchObject({ verdict: 'healthy', value: null });
  });
});

describe("judgeServiceLatency: the service's own percentile", () => {
  const LE = [0.1, 0.25, 0.5, 1, Number.POSITIVE_INFINITY];
  /** Cumulative buckets after `n` requests spread over `shares` (fraction per bucket). */
  function histogram(n: number, shares: number[]): ServiceSnapshot {
    let cumulative = 0;
    const series = LE.map((le, i) => {
      cumulative += n * (shares[i] ?? 0);
      return { key: `le="${le}"`, le, value: cumulative };
    });
    return { requests: null, duration: { metric: 'http_request_duration_seconds', unit: 'seconds', series } };
  }

  it('the p95 of what was observed in the window, not since the process started', () => {
    // Fast for the first minute (all under 100 ms), then everything between 500 ms and 1 s.
    const snaps = snapshots(0, 4 * M, (t) => {
      const fast = Math.min(t, M) / 1000;
      const slow = Math.max(0, t - M) / 1000;
      const h = histogram(fast * 100, [1, 0, 0, 0, 0]);
      const s = histogram(slow * 100, [0, 0, 0, 1, 0]);
      return { requests: null, duration: { ...h.duration!, series: h.duration!.series.map((b, i) => ({ ...b, value: b.value + s.duration!.series[i]!.value })) } };
    });
    const late = judgeServiceLatency(snaps, 95, 250, window(2 * M, 4 * M));
    expect(late.verdict).toBe('unhealthy');
    expect(late.text).toBe('[SERVICE P95] http_request_duration_seconds 975 ms > 250 ms T+2m..T+4m');
    const early = judgeServiceLatency(snaps, 95, 250, window(0, M));
    expect(early.verdict).toBe('healthy');
    expect(early.text).toBe('[SERVICE P95] http_request_duration_seconds 95 ms <= 250 ms T+0s..T+1m');
  });

  it('milliseconds histograms are not multiplied', () => {
    const snaps = snapshots(0, M, (t) => {
      const h = histogram(t / 10, [1, 0, 0, 0, 0]);
      return { requests: null, duration: { ...h.duration!, unit: 'milliseconds', series: h.duration!.series.map((b) => ({ ...b, le: b.le * 1000 })) } };
    });
    expect(judgeServiceLatency(snaps, 50, 250, window(0, M)).text).toMatch(/ 50 ms <= 250 ms/);
  });
});

describe('judgeTrend: repeated median of the later half', () => {
  const BASE = 200e6;
  const every15s = (to: number, value: (t: number) => number): Point[] => Array.from({ length: Math.floor(to / 15_000) + 1 }, (_, i) => ({ t: i * 15_000, value: value(i * 15_000) }));
  const wobble = (t: number): number => (Math.floor(t / 15_000) % 2 === 0 ? 1 : -1) * 0.0005 * BASE;
  const memory = { kind: 'trend' as const, series: 'memory', maxRelativeSlopePerMinute: 0.01 };

  const table: { name: string; value: (t: number) => number; to: number; judge?: typeof memory | { kind: 'trend'; series: string; maxSlopePerMinute: number }; verdict: Part['verdict'] }[] = [
    { name: 'flat with wobble', value: (t) => BASE + wobble(t), to: 5 * M, verdict: 'healthy' },
    { name: 'a warm-up of 3 minutes (+10%/min) then flat', value: (t) => BASE * (1 + 0.1 * Math.min(t / M, 3)) + wobble(t), to: 5 * M, verdict: 'healthy' },
    { name: 'a warm-up of 3 minutes, a GC dip at 4 minutes', value: (t) => (t === 4 * M ? BASE : BASE * (1 + 0.1 * Math.min(t / M, 3))), to: 5 * M, verdict: 'healthy' },
    { name: 'a leak of 5%/min', value: (t) => BASE * (1 + 0.05 * (t / M)) + wobble(t), to: 5 * M, verdict: 'unhealthy' },
    { name: 'a leak of 2%/min', value: (t) => BASE * (1 + 0.02 * (t / M)) + wobble(t), to: 5 * M, verdict: 'unhealthy' },
    { name: 'creep of 0.5%/min over 30 minutes against 0.2%', value: (t) => BASE * (1 + 0.005 * (t / M)) + wobble(t), to: 30 * M, judge: { ...memory, maxRelativeSlopePerMinute: 0.002 }, verdict: 'unhealthy' },
    { name: 'pool growing 2/min against 0.5', value: (t) => 5 + Math.round(2 * (t / M)), to: 10 * M, judge: { kind: 'trend', series: 'dbPool', maxSlopePerMinute: 0.5 }, verdict: 'unhealthy' },
    { name: 'pool with a burst of checkouts at 7 minutes', value: (t) => (t >= 7 * M && t < 8 * M ? 12 : 5), to: 10 * M, judge: { kind: 'trend', series: 'dbPool', maxSlopePerMinute: 0.5 }, verdict: 'healthy' },
  ];
  for (const row of table) {
    it(`${row.name}: ${row.verdict}`, () => {
      const points = every15s(row.to, row.value);
      expect(judgeTrend(points, row.judge ?? memory, window(0, row.to)).verdict).toBe(row.verdict);
    });
  }

  it('the warm-up that fails least squares over the whole window passes here', () => {
    const points = every15s(5 * M, (t) => BASE * (1 + 0.1 * Math.min(t / M, 3)) + wobble(t));
    expect(leastSquaresTrend(points)!.relativeSlopePerMinute!).toBeGreaterThan(0.01);
    const part = judgeTrend(points, memory, window(0, 5 * M));
    expect(part.value!).toBeLessThan(0.001);
    expect(part.text).toMatch(/^\[TREND memory\] \(0\.0\d\d%\/min of median 2\.\d{3}e\+8\) <= 1\.000%\/min, repeated-median slope of 11 samples T\+150s\.\.T\+5m$/);
  });

  it('a day of samples is thinned to 400, and the slope stays the same', () => {
    const points = Array.from({ length: 5761 }, (_, i) => ({ t: i * 15_000, value: 1000 + 2 * (i * 15_000) / M + (i % 2 === 0 ? 1 : -1) }));
    const part = judgeTrend(points, { kind: 'trend', series: 'x', maxSlopePerMinute: 1 }, window(0, 24 * 60 * M));
    expect(part.samples).toBe(400);
    expect(part.value!).toBeCloseTo(2, 2);
    expect(part.verdict).toBe('unhealthy');
  });

  it('fewer than 3 samples: "no data"', () => {
    expect(judgeTrend([{ t: 0, value: 1 }, { t: 15_000, value: 2 }], memory, window(0, M))).toMatchObject({ verdict: 'no_data' });
  });

  it('repeatedMedianSlope ignores up to half the points being off the line', () => {
    const points: Point[] = Array.from({ length: 11 }, (_, i) => ({ t: i * M, value: i < 5 ? 1000 * i : 3 * i }));
    expect(repeatedMedianSlope(points)!.slopePerMinute).toBeCloseTo(3, 9);
  });
});

describe('combine', () => {
  const part = (verdict: Part['verdict'], text: string): Part => ({ verdict, text, value: text.length, samples: 1 });
  it('unhealthy wins and its reason comes first; the first part keeps the number', () => {
    expect(combine([part('healthy', 'a'), part('no_data', 'bb'), part('unhealthy', 'ccc')])).toEqual({ verdict: 'unhealthy', detail: 'ccc; a; bb', value: 1, samples: 1 });
    expect(combine([part('healthy', 'a'), part('no_data', 'bb')]).verdict).toBe('no_data');
    expect(combine([part('healthy', 'a'), part('healthy', 'bb')])).toMatchObject({ verdict: 'healthy', detail: 'a; bb' });
  });
});
