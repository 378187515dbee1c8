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
});

describe('rate limiting a run', () => {
  it('50 checks against one origin at 5/s, burst 5, never exceed the rate', async () => {
    const arrivals: number[] = [];
    const server = await startHttpServer((_req, res) => {
      arrivals.push(performance.now());
      res.end('ok');
    });
    try {
      // Warm up (module loading, JIT) against its own limiter, so a slow first request
      // does not compress the measured windows.
      const warmCheck = { ...httpCheck('/'), id: 'warm-up' };
      await runCheck({ check: warmCheck, environment: 'prod' }, optionsFor(fleetOf([warmCheck], { prod: { baseUrl: server.url } })));
      arrivals.length = 0;
      const checks = Array.from({ length: 50 }, (_, i) => ({ ...httpCheck('/'), id: `check-${i}`, timeoutMs: 2000 }));
      const fleet = fleetOf(checks, { prod: { baseUrl: server.url, rateLimit: { requestsPerSecond: 5, burst: 5 } } });
      const results = await runPlan(
        checks.map((check) => ({ check, environment: 'prod' })),
        optionsFor(fleet, { concurrency: 10 }),
      );
      expect(results.every((r) => r.ok)).toBe(true);
      expect(arrivals).toHaveLength(50);

      // In any window [arrivals[i], arrivals[j]] of w seconds: count ≤ burst + rate·w.
      // 100 ms (half a token's interval) covers the jitter between a check taking its
      // token and the server reading its request on a busy 2-core machine; a limiter one
      // token too generous (burst 6) or 10% too fast (5.5/s) still fails this.
      const jitterS = 0.1;
      let worst = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < arrivals.length; i++) {
        for (let j = i; j < arrivals.length; j++) {
          const w = ((arrivals[j] ?? 0) - (arrivals[i] ?? 0)) / 1000;
          const count = j - i + 1;
          worst = Math.max(worst, count - (5 + 5 * (w + jitterS)));
        }
      }
      expect(worst, arrivals.map((a) => (a - (arrivals[0] ?? 0)).toFixed(1)).join(' ')).toBeLessThanOrEqual(0);
      // And it is a limit, not a stall: 45 tokens after the burst take about 9 s.
      const spanS = ((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)) / 1000;
      expect(spanS).toBeGreaterThanOrEqual(8.8);
      expect(spanS).toBeLessThan(12);
    } finally {
      await server.close();
    }
  }, 30_000);
});
