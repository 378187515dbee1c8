// Waiting on our own rate limiter is not the service's time: it never counts against a
// check's timeout, only the run's deadline bounds it, a request it refuses is logged, and a
// check it starves is reported as rate-limited, not as a service failure.
import { describe, expect, it } from 'vitest';
import type { FlowCheck } from '../../lib/model/fleet.js';
import { runPlan } from '../../lib/runner/runPlan.js';
import { startHttpServer } from '../support/servers.js';
import { COMMON, fleetOf, httpCheck, optionsFor } from './helpers.js';

function flow(id: string, steps: number, timeoutMs: number): FlowCheck {
  return {
    ...COMMON,
    id,
    kind: 'flow',
    timeoutMs,
    steps: Array.from({ length: steps }, (_, i) => ({ name: `step-${i + 1}`, url: `/${id}/step-${i + 1}`, assertions: [{ type: 'status', equals: 200 }] })),
  };
}

describe('waiting for a rate-limit token', () => {
  // 50 requests at the default 5/s take about 9 s; each flow's own exchanges take
  // milliseconds, so a 3 s timeout that counted the waits would fail most of them.
  it('ten five-step flows under the default 5/s against a healthy service all pass', async () => {
    const server = await startHttpServer((_req, res) => res.end('ok'));
    try {
      const checks = Array.from({ length: 10 }, (_, i) => flow(`journey-${i}`, 5, 3000));
      const fleet = fleetOf(checks, { prod: { baseUrl: server.url } });
      const options = optionsFor(fleet, { concurrency: 10, deadline: Date.now() + 60_000 });
      const results = await runPlan(
        checks.map((check) => ({ check, environment: 'prod' })),
        options,
      );
      expect(results.map((r) => r.failure?.message ?? 'ok')).toEqual(results.map(() => 'ok'));
      expect(results.every((r) => r.ok && r.skipped !== true && r.attempts === 1)).toBe(true);
      expect(options.requestLog.entries).toHaveLength(50);
      expect(options.requestLog.entries.every((e) => e.status === 200 && e.error === undefined)).toBe(true);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('a check the limiter starves until the deadline is skipped, names the limiter, and the refusal is logged', async () => {
    const server = await startHttpServer((_req, res) => res.end('ok'));
    try {
      const checks = ['a', 'b', 'c'].map((id) => httpCheck(`/${id}`, { id }));
      const fleet = fleetOf(checks, { prod: { baseUrl: server.url, rateLimit: { requestsPerSecond: 1, burst: 1 } } });
      const options = optionsFor(fleet, { concurrency: 3, deadline: Date.now() + 400 });
      const results = await runPlan(
        checks.map((check) => ({ check, environment: 'prod' })),
        options,
      );
      const origin = new URL(server.url).origin;
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const starved = results.filter((r) => !r.ok);
      expect(starved).toHaveLength(2);
      for (const result of starved) {
        expect(result.skipped).toBe(true);
        expect(result.attempts).toBe(0);
        expect(result.failure?.kind).toBe('deadline');
        expect(result.failure?.message).toContain(`rate-limited: the rate limiter of ${origin} (1 requests/s, burst 1) had no token for GET ${origin}/`);
        expect(result.failure?.message).toContain('the service was not asked');
        expect(result.failure?.message).toMatch(/a retry will not help unless the run's deadline is longer or the origin's rateLimit higher$/);
      }
      const refusals = options.requestLog.entries.filter((e) => e.error?.startsWith('rate_limited:'));
      expect(refusals.map((e) => e.checkId).sort()).toEqual(starved.map((r) => r.checkId).sort());
      expect(refusals.every((e) => e.status === null && e.method === 'GET' && e.url.startsWith(origin))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('a flow starved between steps fails (it was mid-flight) with kind deadline, naming the step and the limiter', async () => {
    const server = await startHttpServer((_req, res) => res.end('ok'));
    try {
      const journey = flow('journey', 3, 10_000);
      const fleet = fleetOf([journey], { prod: { baseUrl: server.url, rateLimit: { requestsPerSecond: 1, burst: 1 } } });
      const options = optionsFor(fleet, { deadline: Date.now() + 500 });
      const [result] = await runPlan([{ check: journey, environment: 'prod' }], options);
      expect(result?.skipped).not.toBe(true);
      expect(result?.ok).toBe(false);
      expect(result?.failure).toMatchObject({ kind: 'deadline', step: 'step-2', retryable: false });
      expect(result?.failure?.message).toMatch(/rate-limited: the rate limiter of http:\/\/127\.0\.0\.1:\d+ \(1 requests\/s, burst 1\)/);
      expect(options.requestLog.entries.map((e) => [e.step, e.error === undefined ? 'sent' : e.error.split(':')[0]])).toEqual([
        ['step-1', 'sent'],
        ['step-2', 'rate_limited'],
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('a run with many checks in flight', () => {
  it('30 checks sharing one run signal emit no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    const server = await startHttpServer((_req, res) => {
      setTimeout(() => res.end('ok'), 100);
    });
    try {
      const checks = Array.from({ length: 30 }, (_, i) => httpCheck(`/${i}`, { id: `c-${i}` }));
      const fleet = fleetOf(checks, { prod: { baseUrl: server.url, rateLimit: { requestsPerSecond: 1000, burst: 1000 } } });
      const stop = new AbortController();
      const options = optionsFor(fleet, { concurrency: 30, signal: stop.signal, deadline: Date.now() + 20_000, retriesOverride: { count: 1, onlyOn: 'any' } });
      const results = await runPlan(
        checks.map((check) => ({ check, environment: 'prod' })),
        options,
      );
      expect(results.every((r) => r.ok)).toBe(true);
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await server.close();
    }
  });
});
