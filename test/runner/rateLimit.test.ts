// The token bucket per origin, measured by the server's own request timestamps.
import { describe, it, expect } from 'vitest';
import { runCheck } from '../../lib/runner/runCheck.js';
import { runPlan } from '../../lib/runner/runPlan.js';
import { TokenBucket, createRateLimiterRegistry, originOf } from '../../lib/runner/tokenBucket.js';
import { startHttpServer } from '../support/servers.js';
import { fleetOf, httpCheck, optionsFor } from './helpers.js';

describe('TokenBucket', () => {
  it('grants the burst at once, then one token per 1/rate seconds', () => {
    let now = 0;
    const bucket = new TokenBucket(5, 5, () => now);
    const waits = Array.from({ length: 7 }, () => bucket.reserve());
    expect(waits).toEqual([0, 0, 0, 0, 0, 200, 400]);
    now = 10_000;
    expect(bucket.reserve()).toBe(0);
  });

  it('refuses a token that would come after the deadline', async () => {
    const bucket = new TokenBucket(1, 1);
    expect(await bucket.acquire(Date.now() + 1000)).toBe(true);
    expect(await bucket.acquire(Date.now() + 100)).toBe(false);
  });

  it('names origins with their default port', () => {
    expect(originOf(new URL('https://a.example.test/x'))).toBe('https://a.example.test:443');
    expect(originOf(new URL('http://a.example.test:8080/x'))).toBe('http://a.example.test:8080');
  });

  it('keeps one bucket per origin in a registry', async () => {
    const registry = createRateLimiterRegistry(fleetOf([], { prod: { baseUrl: 'http://x', rateLimit: { requestsPerSecond: 1, burst: 1 } } }));
    const soon = Date.now() + 200;
    expect(await registry.acquire('http://a:80', 'prod', soon)).toBe(true);
    expect(await registry.acquire('http://b:80', 'prod', soon)).toBe(true);
    expect(await registry.acquire('http://a:80', 'prod', soon)).toBe(false);
  });

  it('gives an origin shared by two environments the stricter limit, whichever arrives first', async () => {
    const registry = createRateLimiterRegistry(
      fleetOf([], {
        loose: { baseUrl: 'http://shared.test', rateLimit: { requestsPerSecond: 100, burst: 100 } },
        strict: { baseUrl: 'http://shared.test/eu', rateLimit: { requestsPerSecond: 1, burst: 2 } },
      }),
    );
    const soon = Date.now() + 200;
    expect(await registry.acquire('http://shared.test:80', 'loose', soon)).toBe(true);
    expect(await registry.acquire('http://shared.test:80', 'loose', soon)).toBe(true);
    expect(await registry.acquire('http://shared.test:80', 'loose', soon)).toBe(false);
  });
});

/** The largest excess of `count − (burst + rate·(w + slack))` over all windows between two events. */
function worstExcess(times: number[], burst: number, rate: number, slackS: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let worst = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i; j < sorted.length; j++) {
      const w = ((sorted[j] ?? 0) - (sorted[i] ?? 0)) / 1000;
      worst = Math.max(worst, j - i + 1 - (burst + rate * (w + slackS)));
    }
  }
  return worst;
}

describe('rate limiting a run', () => {
  it('50 checks against one origin at 5/s, burst 5, never exceed the rate', async () => {
    const arrivals = new Map<string, number>();
    const server = await startHttpServer((req, res) => {
      arrivals.set(new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '', Date.now());
      res.end('ok');
    });
    try {
      // Warm up (module loading, JIT) against its own limiter, so a slow first request
      // does not distort the measured windows.
      const warmCheck = { ...httpCheck('/?id=warm'), id: 'warm-up' };
      await runCheck({ check: warmCheck, environment: 'prod' }, optionsFor(fleetOf([warmCheck], { prod: { baseUrl: server.url } })));
      arrivals.clear();

      const checks = Array.from({ length: 50 }, (_, i) => ({ ...httpCheck(`/?id=c-${i}`), id: `c-${i}`, timeoutMs: 2000 }));
      const fleet = fleetOf(checks, { prod: { baseUrl: server.url, rateLimit: { requestsPerSecond: 5, burst: 5 } } });
      const options = optionsFor(fleet, { concurrency: 10 });
      const results = await runPlan(
        checks.map((check) => ({ check, environment: 'prod' })),
        options,
      );
      expect(results.every((r) => r.ok)).toBe(true);
      expect(arrivals.size).toBe(50);

      // The server's own timestamps: in any window of w seconds, count ≤ burst + rate·w,
      // allowing for how much the time from "request started" (the request log's time) to
      // "request read by the server" varied between requests in this very run, plus 25 ms
      // for the event-loop delay between a token's grant and that log time on a busy
      // machine. A limiter one token too generous or 10% too fast still fails by far more.
      const SCHEDULING_S = 0.025;
      const sent = new Map(options.requestLog.entries.map((e) => [e.checkId, Date.parse(e.time)]));
      const latencies = [...arrivals].map(([id, at]) => at - (sent.get(id) ?? Number.NaN));
      const jitterS = (Math.max(...latencies) - Math.min(...latencies)) / 1000;
      expect(Number.isFinite(jitterS)).toBe(true);
      expect(worstExcess([...arrivals.values()], 5, 5, jitterS + SCHEDULING_S), 'server arrivals').toBeLessThanOrEqual(0);
      // The request start times themselves hold the bound with the same scheduling slack.
      expect(worstExcess([...sent.values()], 5, 5, SCHEDULING_S), 'request start times').toBeLessThanOrEqual(0);

      // The 45 tokens after the burst cannot come sooner than 9 s after the first.
      const times = [...arrivals.values()];
      expect((Math.max(...times) - Math.min(...times)) / 1000).toBeGreaterThanOrEqual(8.8);
    } finally {
      await server.close();
    }
  }, 30_000);
});
