// Retries with backoff, `onlyOn`, attempts and flaky results.
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import type { HttpCheck } from '../../lib/model/fleet.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { fleetOf, httpCheck, optionsFor } from './helpers.js';

let server: StartedHttpServer;
const hits = new Map<string, number[]>();

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const url = req.url ?? '/';
    const times = hits.get(url) ?? [];
    times.push(performance.now());
    hits.set(url, times);
    if (url.startsWith('/reset-once') && times.length === 1) {
      req.socket.destroy();
      return;
    }
    if (url.startsWith('/always-500')) {
      res.writeHead(500).end();
      return;
    }
    if (url.startsWith('/500-once') && times.length === 1) {
      res.writeHead(500).end();
      return;
    }
    res.end('ok');
  });
});

afterAll(async () => {
  await server.close();
});

async function run(path: string, retries: HttpCheck['retries'], override?: { count?: number; onlyOn?: 'network' | 'any'; backoffMs?: number }) {
  const check = httpCheck(path, { retries, timeoutMs: 1000 });
  const fleet = fleetOf([check], { prod: { baseUrl: server.url } });
  const options = optionsFor(fleet, override ? { retriesOverride: override } : {});
  const result = await runCheck({ check, environment: 'prod' }, options);
  return { result, log: options.requestLog.entries };
}

describe('retries', () => {
  it('a reset cured by a retry passes as flaky, after the backoff', async () => {
    const { result, log } = await run('/reset-once', { count: 2, backoffMs: 100, onlyOn: 'network' });
    expect(result).toMatchObject({ ok: true, flaky: true, attempts: 2, failure: null });
    expect(log.map((e) => e.attempt)).toEqual([1, 2]);
    const times = hits.get('/reset-once') ?? [];
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(95);
  });

  it("onlyOn 'network' does not retry an assertion failure", async () => {
    const { result } = await run('/500-once?a', { count: 2, backoffMs: 10, onlyOn: 'network' });
    expect(result).toMatchObject({ ok: false, flaky: false, attempts: 1 });
    expect(result.failure?.kind).toBe('assertion');
  });

  it("onlyOn 'any' retries it", async () => {
    const { result } = await run('/500-once?b', { count: 2, backoffMs: 10, onlyOn: 'any' });
    expect(result).toMatchObject({ ok: true, flaky: true, attempts: 2 });
  });

  it('gives up after count + 1 attempts, backoff doubling', async () => {
    const { result } = await run('/always-500', { count: 2, backoffMs: 50, onlyOn: 'any' });
    expect(result).toMatchObject({ ok: false, flaky: false, attempts: 3 });
    const [a = 0, b = 0, c = 0] = hits.get('/always-500') ?? [];
    expect(b - a).toBeGreaterThanOrEqual(45);
    expect(c - b).toBeGreaterThanOrEqual(95);
  });

  it('retriesOverride replaces the check policy (verify retries each failure once)', async () => {
    const { result } = await run('/500-once?c', 0, { count: 1, onlyOn: 'any', backoffMs: 10 });
    expect(result).toMatchObject({ ok: true, flaky: true, attempts: 2 });
  });

  it('a number of retries keeps the default network-only policy', async () => {
    const { result } = await run('/500-once?d', 3);
    expect(result.attempts).toBe(1);
  });
});
