// runPlan: order, concurrency, deadline and abort; selectChecks: the filters.
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import type { Check } from '../../lib/model/fleet.js';
import type { CheckResult } from '../../lib/model/result.js';
import { runPlan, selectChecks } from '../../lib/runner/runPlan.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { COMMON, fleetOf, httpCheck, optionsFor } from './helpers.js';

let server: StartedHttpServer;
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      res.end('ok');
    }, delay);
  });
});

afterAll(async () => {
  await server.close();
});

function checks(n: number, delay: (i: number) => number): Check[] {
  return Array.from({ length: n }, (_, i) => ({ ...httpCheck(`/?delay=${delay(i)}&i=${i}`), id: `c-${i}`, timeoutMs: 3000 }));
}

describe('runPlan', () => {
  it('returns results in input order, runs at most `concurrency` at once, reports each as it ends', async () => {
    maxInFlight = 0;
    const list = checks(8, (i) => (8 - i) * 15);
    const fleet = fleetOf(list, { prod: { baseUrl: server.url, rateLimit: { requestsPerSecond: 1000, burst: 100 } } });
    const ended: string[] = [];
    const results = await runPlan(
      list.map((check) => ({ check, environment: 'prod' })),
      optionsFor(fleet, { concurrency: 3, onCheckEnd: (r) => ended.push(r.checkId) }),
    );
    expect(results.map((r) => r.checkId)).toEqual(list.map((c) => c.id));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(maxInFlight).toBe(3);
    expect(ended.sort()).toEqual(list.map((c) => c.id).sort());
    // Long checks went first, so the reporting order differs from the input order.
    expect(ended).toHaveLength(8);
  });

  it('at the deadline, running checks are cut and the rest come back skipped', async () => {
    const list = checks(5, () => 2000);
    const fleet = fleetOf(list, { prod: { baseUrl: server.url } });
    const started = performance.now();
    const results = await runPlan(list.map((check) => ({ check, environment: 'prod' })), optionsFor(fleet, { concurrency: 2, deadline: Date.now() + 300 }));
    expect(performance.now() - started).toBeLessThan(300 + 250);
    const [a, b, ...rest] = results as [CheckResult, CheckResult, ...CheckResult[]];
    for (const cut of [a, b]) expect(cut).toMatchObject({ ok: false, attempts: 1, failure: { kind: 'deadline' } });
    expect(rest).toHaveLength(3);
    for (const skipped of rest) expect(skipped).toMatchObject({ skipped: true, ok: false, attempts: 0, failure: { kind: 'deadline', retryable: false } });
  });

  it('an aborted signal skips what has not started', async () => {
    const list = checks(3, () => 0);
    const fleet = fleetOf(list, { prod: { baseUrl: server.url } });
    const controller = new AbortController();
    controller.abort();
    const results = await runPlan(list.map((check) => ({ check, environment: 'prod' })), optionsFor(fleet, { signal: controller.signal }));
    expect(results.map((r) => r.skipped)).toEqual([true, true, true]);
  });

  it('an unknown environment is a result, not an exception', async () => {
    const list = checks(1, () => 0);
    const results = await runPlan([{ check: list[0] as Check, environment: 'nowhere' }], optionsFor(fleetOf(list)));
    expect(results[0]?.failure?.kind).toBe('internal');
    expect(results[0]?.failure?.message).toContain("environment 'nowhere'");
  });
});

describe('selectChecks', () => {
  const fleet = fleetOf(
    [
      { ...COMMON, id: 'health', name: 'Health endpoint', kind: 'http', url: '/health', tags: ['smoke'] },
      { ...COMMON, id: 'login-flow', name: 'Login journey', kind: 'flow', steps: [], tags: ['smoke', 'auth'], environments: ['eu'] },
      { ...COMMON, id: 'cert', name: 'Certificate', kind: 'tls', regions: ['us-east-1'] },
    ],
    { eu: { baseUrl: 'https://eu.example.test' }, us: { baseUrl: 'https://us.example.test' } },
    { regions: ['eu-west-1', 'us-east-1'] },
  );
  const ids = (filter: Parameters<typeof selectChecks>[1]): string[] => selectChecks(fleet, filter).map((p) => `${p.check.id}@${p.environment}`);

  it.each([
    { name: 'no filter: every check × environment', filter: {}, expected: ['health@eu', 'health@us', 'login-flow@eu', 'cert@eu', 'cert@us'] },
    { name: 'tags (any)', filter: { tags: ['auth', 'nope'] }, expected: ['login-flow@eu'] },
    { name: 'grep on id', filter: { grep: '^cert$' }, expected: ['cert@eu', 'cert@us'] },
    { name: 'grep on name', filter: { grep: 'journey' }, expected: ['login-flow@eu'] },
    { name: 'environments', filter: { environments: ['us'] }, expected: ['health@us', 'cert@us'] },
    { name: 'region', filter: { region: 'eu-west-1' }, expected: ['health@eu', 'health@us', 'login-flow@eu'] },
    { name: 'ids', filter: { ids: ['health'] }, expected: ['health@eu', 'health@us'] },
  ])('$name', ({ filter, expected }) => {
    expect(ids(filter)).toEqual(expected);
  });

  it('rejects an invalid grep with a message naming it', () => {
    expect(() => selectChecks(fleet, { grep: '(' })).toThrow(/grep: expected a regular expression, received '\('/);
  });
});
