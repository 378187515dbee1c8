// HTTP details: redirects, URL joining, thresholds, default assertions, log sinks, abort.
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import type { HttpCheck } from '../../lib/model/fleet.js';
import type { RunOptions } from '../../lib/runner/api.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { jsonLinesRequestLog, nullRequestLog } from '../../lib/runner/requestLog.js';
import { joinUrl } from '../../lib/runner/http.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { fleetOf, httpCheck, optionsFor } from './helpers.js';

let server: StartedHttpServer;
const seen: string[] = [];

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    const url = new URL(req.url ?? '/', 'http://x');
    const delay = Number(url.searchParams.get('delay') ?? 0);
    setTimeout(() => {
      switch (url.pathname) {
        case '/old':
          res.writeHead(301, { location: '/api/new' }).end();
          return;
        case '/submit':
          res.writeHead(303, { location: '/done' }).end();
          return;
        case '/chain':
          res.writeHead(302, { location: `/chain?n=${Number(url.searchParams.get('n') ?? 0) + 1}` }).end();
          return;
        case '/missing':
          res.writeHead(404).end('not here');
          return;
        default:
          res.writeHead(200, { 'content-type': 'text/plain' }).end(req.method === 'HEAD' ? undefined : 'hello');
      }
    }, delay);
  });
});

afterAll(async () => {
  await server.close();
});

async function run(check: HttpCheck, extra: Partial<RunOptions> = {}, baseUrl = server.url) {
  const fleet = fleetOf([check], { prod: { baseUrl } });
  const options = optionsFor(fleet, extra);
  const result = await runCheck({ check, environment: 'prod' }, options);
  return { result, log: options.requestLog.entries };
}

describe('http', () => {
  it('joins a relative URL to the base URL path, and baseUrlOverride replaces it', () => {
    expect(joinUrl('https://a.example.test/api/', '/health').href).toBe('https://a.example.test/api/health');
    expect(joinUrl('https://a.example.test', 'health?x=1').href).toBe('https://a.example.test/health?x=1');
    expect(joinUrl('https://a.example.test/api', 'http://b.example.test/x').href).toBe('http://b.example.test/x');
  });

  it('uses baseUrlOverride instead of the environment baseUrl', async () => {
    const { result, log } = await run(httpCheck('/over'), { baseUrlOverride: server.url }, 'http://127.0.0.1:1');
    expect(result.ok).toBe(true);
    expect(log[0]?.url).toBe(`${server.url}/over`);
  });

  it('follows redirects up to the limit; each hop is logged and the phases are summed', async () => {
    const { result, log } = await run(httpCheck('/old', { followRedirects: 2, assertions: [{ type: 'body', contains: 'hello' }] }));
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
    expect(log.map((e) => `${e.status ?? ''} ${e.url}`)).toEqual([`301 ${server.url}/old`, `200 ${server.url}/api/new`]);
    const p = result.phases;
    expect(Math.abs(p.dnsMs + p.connectMs + p.tlsMs + p.ttfbMs + p.transferMs - result.durationMs)).toBeLessThanOrEqual(5);
  });

  it('a redirect is the response when followRedirects is 0', async () => {
    const { result } = await run(httpCheck('/old', { assertions: [{ type: 'status', equals: 301 }, { type: 'header', name: 'location', equals: '/api/new' }] }));
    expect(result.ok).toBe(true);
  });

  it('303 after a POST continues with GET', async () => {
    seen.length = 0;
    const { result } = await run(httpCheck('/submit', { method: 'POST', sideEffects: { kind: 'none', reason: 'no-op form' }, body: { text: 'x' }, followRedirects: 1 }));
    expect(result.ok).toBe(true);
    expect(seen).toEqual(['POST /submit', 'GET /done']);
  });

  it('more redirects than allowed is redirect_loop, naming the chain', async () => {
    const { result } = await run(httpCheck('/chain', { followRedirects: 2 }));
    expect(result.failure?.kind).toBe('redirect_loop');
    expect(result.failure?.message).toContain('more than 2 redirects');
  });

  it('without assertions, any status below 400 passes and 404 fails', async () => {
    expect((await run(httpCheck('/fine'))).result.ok).toBe(true);
    const { result } = await run(httpCheck('/missing'));
    expect(result.failure?.kind).toBe('assertion');
    expect(result.assertions).toEqual([{ description: 'status', ok: false, expected: '200..399', actual: '404' }]);
  });

  it('a URL that does not parse, or is not http(s), fails as internal before anything is sent', async () => {
    const before = seen.length;
    const bad = await run(httpCheck('http://[not-a-host/'));
    const ftp = await run(httpCheck('ftp://127.0.0.1/file'));
    expect(bad.result.failure?.kind).toBe('internal');
    expect(bad.result.failure?.message).toContain('does not parse');
    expect(ftp.result.failure?.message).toContain('expected http: or https:');
    expect(seen.length).toBe(before);
  });

  it('HEAD has no body', async () => {
    const { result } = await run(httpCheck('/fine', { method: 'HEAD' }));
    expect(result).toMatchObject({ ok: true, status: 200, bytes: 0 });
  });

  it('slower than degradedMs is ok but degraded; slower than maxMs fails with a responseTime entry', async () => {
    const slow = await run(httpCheck('/fine?delay=120', { degradedMs: 50 }));
    expect(slow.result).toMatchObject({ ok: true, degraded: true });
    const fast = await run(httpCheck('/fine', { degradedMs: 5000 }));
    expect(fast.result).toMatchObject({ ok: true, degraded: false });
    const breach = await run(httpCheck('/fine?delay=120', { maxMs: 50 }));
    expect(breach.result).toMatchObject({ ok: false, degraded: false, failure: { kind: 'assertion', retryable: false } });
    expect(breach.result.assertions.at(-1)).toMatchObject({ description: 'responseTime', ok: false, expected: '<= 50 ms' });
  });

  it('an aborted signal cuts a running check as deadline', async () => {
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 150);
    const started = performance.now();
    const { result } = await run({ ...httpCheck('/fine?delay=3000'), timeoutMs: 5000 }, { signal: controller.signal });
    expect(result.failure?.kind).toBe('deadline');
    expect(result.failure?.message).toContain('the run was stopped');
    expect(performance.now() - started).toBeLessThan(150 + 250);
  });
});

describe('request log sinks', () => {
  it('jsonLinesRequestLog writes one JSON object per line', () => {
    const lines: string[] = [];
    const sink = jsonLinesRequestLog({ write: (text: string) => lines.push(text) });
    const entry = { time: '2026-01-01T00:00:00.000Z', runId: 'r', checkId: 'c', environment: 'e', location: 'local', attempt: 1, method: 'GET', url: 'http://x/', status: 200, durationMs: 1.5 };
    sink.write(entry);
    sink.write({ ...entry, status: null, error: 'reset: boom' });
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ status: null, error: 'reset: boom' });
    expect(() => {
      nullRequestLog.write(entry);
    }).not.toThrow();
  });
});
