// A 502, 503 or 504 to an idempotent request is the service saying "not now": a retry is safe
// (and the default retry policy takes it); the same status to a POST, or a 500 or 404, is not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpCheck, HttpMethod } from '../../lib/model/fleet.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { fleetOf, httpCheck, optionsFor } from './helpers.js';

let server: StartedHttpServer;
let flakyCalls = 0;

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/flaky') {
      flakyCalls++;
      res.writeHead(flakyCalls === 1 ? 503 : 200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    res.writeHead(Number(url.searchParams.get('status') ?? '200'), { 'content-type': 'text/html' }).end('<html>unavailable</html>');
  });
});

afterAll(async () => {
  await server.close();
});

async function run(check: HttpCheck) {
  const fleet = fleetOf([check], { prod: { baseUrl: server.url } });
  return runCheck({ check, environment: 'prod' }, optionsFor(fleet));
}

describe('transient statuses', () => {
  const table: { status: number; method: HttpMethod; json?: boolean; retryable: boolean }[] = [
    { status: 502, method: 'GET', retryable: true },
    { status: 503, method: 'GET', retryable: true },
    { status: 504, method: 'HEAD', retryable: true },
    { status: 503, method: 'PUT', retryable: true },
    { status: 503, method: 'GET', json: true, retryable: true },
    { status: 503, method: 'POST', retryable: false },
    { status: 500, method: 'GET', retryable: false },
    { status: 404, method: 'GET', retryable: false },
  ];
  for (const row of table) {
    it(`${row.method} answered ${row.status}${row.json ? ' (HTML where JSON was expected)' : ''} is ${row.retryable ? '' : 'not '}retry-safe`, async () => {
      const write = row.method === 'GET' || row.method === 'HEAD' ? {} : { sideEffects: { kind: 'none' as const, reason: 'the test service changes nothing' } };
      const assertions = row.json ? [{ type: 'json' as const, path: '$.status', equals: 'ok' }] : [{ type: 'status' as const, equals: 200 }];
      const result = await run(httpCheck(`/?status=${row.status}`, { method: row.method, ...write, assertions }));
      expect(result.ok).toBe(false);
      expect(result.failure?.kind).toBe(row.json ? 'invalid_json' : 'assertion');
      expect(result.failure?.retryable).toBe(row.retryable);
      if (row.retryable) expect(result.failure?.message).toContain(`a retry is safe and may succeed (HTTP ${row.status} is temporary and ${row.method} is idempotent)`);
      else expect(result.failure?.message).toContain('a retry will not help');
    });
  }

  it('the default retry policy (retryable failures only) retries a 503 and reports the pass as flaky', async () => {
    flakyCalls = 0;
    const result = await run(httpCheck('/flaky', { retries: { count: 1, backoffMs: 10, onlyOn: 'network' } }));
    expect(result).toMatchObject({ ok: true, flaky: true, attempts: 2 });
    expect(flakyCalls).toBe(2);
  });
});
