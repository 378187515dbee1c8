// Run-time guards and the synthetic identity every request carries.
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import type { IncomingHttpHeaders } from 'node:http';
import type { Environment, HttpCheck } from '../../lib/model/fleet.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { forbiddenPathMatcher } from '../../lib/runner/guards.js';
import { packageVersion } from '../../lib/runner/userAgent.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { fleetOf, httpCheck, optionsFor } from './helpers.js';

let server: StartedHttpServer;
const received: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
      if (to) res.writeHead(302, { location: to });
      res.end('{}');
    });
  });
});

afterAll(async () => {
  await server.close();
});

async function run(check: HttpCheck, environment: Environment, forbiddenPaths?: string[]): Promise<Awaited<ReturnType<typeof runCheck>> & { log: number }> {
  const fleet = fleetOf([check], { prod: environment }, forbiddenPaths ? { forbiddenPaths } : {});
  const options = optionsFor(fleet);
  const result = await runCheck({ check, environment: 'prod' }, options);
  return { ...result, log: options.requestLog.entries.length };
}

describe('guards at run time', () => {
  const blocked: { name: string; check: () => HttpCheck; environment: () => Environment; forbidden?: string[] }[] = [
    { name: 'POST without sideEffects', check: () => httpCheck('/orders', { method: 'POST', body: { json: { a: 1 } } }), environment: () => ({ baseUrl: server.url }) },
    { name: 'DELETE without sideEffects', check: () => httpCheck('/orders/1', { method: 'DELETE' }), environment: () => ({ baseUrl: server.url }) },
    {
      name: 'sandbox side effects against a live environment',
      check: () => httpCheck('/orders', { method: 'POST', sideEffects: { kind: 'sandbox', reason: 'creates an order' } }),
      environment: () => ({ baseUrl: server.url }),
    },
    { name: 'a forbidden path prefix', check: () => httpCheck('/payments/charge'), environment: () => ({ baseUrl: server.url }), forbidden: ['/payments'] },
    { name: 'a forbidden path regex', check: () => httpCheck('/api/pay-now'), environment: () => ({ baseUrl: server.url }), forbidden: ['/\\/pay/'] },
  ];

  it.each(blocked)('blocks $name: guard_blocked, nothing reaches the server', async ({ check, environment, forbidden }) => {
    const before = received.length;
    const result = await run(check(), environment(), forbidden);
    expect(result.failure?.kind).toBe('guard_blocked');
    expect(result.failure?.retryable).toBe(false);
    expect(result.failure?.message).toMatch(/nothing was sent/);
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(1);
    expect(received.length).toBe(before);
    expect(result.log).toBe(1);
  });

  it.each([
    { name: 'POST with sideEffects none', check: () => httpCheck('/auth/token', { method: 'POST', sideEffects: { kind: 'none', reason: 'a failed login' }, body: { form: { user: 'x', password: 'wrong' } } }), environment: () => ({ baseUrl: server.url }) },
    { name: 'sandbox side effects on a sandbox', check: () => httpCheck('/orders', { method: 'PUT', sideEffects: { kind: 'sandbox', reason: 'creates an order' } }), environment: () => ({ baseUrl: server.url, sandbox: true }) },
    { name: 'a forbidden path on a sandbox', check: () => httpCheck('/payments/charge'), environment: () => ({ baseUrl: server.url, sandbox: true }), forbidden: ['/payments'] },
  ])('allows $name', async ({ check, environment, forbidden }) => {
    const before = received.length;
    const result = await run(check(), environment(), forbidden);
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
    expect(received.length).toBe(before + 1);
  });

  it.each([
    { name: 'a base-URL override', url: '/payments/charge', override: true },
    { name: 'an absolute URL to another origin', url: 'SERVER/payments/charge', override: false },
  ])('a sandbox lends no rights to requests sent elsewhere by $name', async ({ url, override }) => {
    const before = received.length;
    const check = httpCheck(url.replace('SERVER', server.url), { method: 'POST', sideEffects: { kind: 'sandbox', reason: 'charges a card' } });
    // The sandbox's own origin is a closed port; the request would go to the test server.
    const fleet = fleetOf([check], { prod: { baseUrl: 'http://127.0.0.1:9', sandbox: true } }, { forbiddenPaths: ['/payments'] });
    const result = await runCheck({ check, environment: 'prod' }, optionsFor(fleet, override ? { baseUrlOverride: server.url } : {}));
    expect(result.failure?.kind).toBe('guard_blocked');
    expect(received.length).toBe(before);
  });

  it('a redirect into a forbidden path is not followed', async () => {
    const before = received.length;
    const check = httpCheck('/redirect?to=/payments/charge', { followRedirects: 2 });
    const result = await run(check, { baseUrl: server.url }, ['/payments']);
    expect(result.failure?.kind).toBe('guard_blocked');
    expect(received.slice(before).map((r) => r.url)).toEqual(['/redirect?to=/payments/charge']);
    expect(result.log).toBe(2);
  });

  it('forbidden path entries are prefixes or /regex/', () => {
    expect(forbiddenPathMatcher('/payments')('/payments/1')).toBe(true);
    expect(forbiddenPathMatcher('/payments')('/api/payments')).toBe(false);
    expect(forbiddenPathMatcher('/^\\/api\\/pay/')('/api/pay')).toBe(true);
    expect(forbiddenPathMatcher('/^\\/api\\/pay/')('/v2/api/pay')).toBe(false);
    // Encoded and differently cased forms reach the same handler on most servers.
    expect(forbiddenPathMatcher('/payments')('/%70ayments/charge')).toBe(true);
    expect(forbiddenPathMatcher('/payments')('/Payments/charge')).toBe(true);
    expect(forbiddenPathMatcher('/^\\/api\\/pay/')('/api/%70ay')).toBe(true);
    expect(forbiddenPathMatcher('/payments')('/%E0%A4%A/payments')).toBe(false);
  });
});

describe('synthetic identity', () => {
  it('every request carries the synthetic headers, run id and user agent; check headers cannot override them', async () => {
    const check = httpCheck('/whoami', { headers: { 'x-custom': 'yes', 'user-agent': 'spoofed', 'x-synthetic-request': 'false' } });
    const fleet = fleetOf([check], { prod: { baseUrl: server.url, headers: { 'x-env': 'prod' } } }, { defaults: { headers: { 'x-default': 'd' } } });
    const options = optionsFor(fleet, { runId: 'run-abc-123' });
    const result = await runCheck({ check, environment: 'prod' }, options);
    expect(result.ok).toBe(true);
    const request = received.at(-1);
    expect(request?.headers['x-synthetic-request']).toBe('true');
    expect(request?.headers['x-synthetic-run-id']).toBe('run-abc-123');
    expect(request?.headers['user-agent']).toBe(`probe-fleet/${packageVersion()} (+synthetic)`);
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(request?.headers['x-custom']).toBe('yes');
    expect(request?.headers['x-env']).toBe('prod');
    expect(request?.headers['x-default']).toBe('d');
    // A fresh connection per request: no keep-alive.
    expect(request?.headers.connection).toBe('close');

    expect(options.requestLog.entries).toEqual([
      expect.objectContaining({ runId: 'run-abc-123', checkId: 'http-check', environment: 'prod', location: 'local', attempt: 1, method: 'GET', url: `${server.url}/whoami`, status: 200 }),
    ]);
  });

  it('json, text and form bodies arrive as sent, with placeholders filled', async () => {
    const env: Environment = { baseUrl: server.url, variables: { tenant: 'acme' } };
    const checks: [HttpCheck, string, string][] = [
      [httpCheck('/{{tenant}}/j', { method: 'POST', sideEffects: { kind: 'none', reason: 'echo' }, body: { json: { tenant: '{{tenant}}', n: 1 } } }), '{"tenant":"acme","n":1}', 'application/json'],
      [httpCheck('/{{tenant}}/t', { method: 'POST', sideEffects: { kind: 'none', reason: 'echo' }, body: { text: 'hello {{tenant}}', contentType: 'text/x-test' } }), 'hello acme', 'text/x-test'],
      [httpCheck('/{{tenant}}/f', { method: 'POST', sideEffects: { kind: 'none', reason: 'echo' }, body: { form: { who: '{{tenant}}', q: 'a b&c' } } }), 'who=acme&q=a%20b%26c', 'application/x-www-form-urlencoded'],
    ];
    for (const [check, body, type] of checks) {
      const result = await run(check, env);
      expect(result.ok).toBe(true);
      const request = received.at(-1);
      expect(request?.url.startsWith('/acme/')).toBe(true);
      expect(request?.body).toBe(body);
      expect(request?.headers['content-type']).toBe(type);
    }
  });

  it('an unknown placeholder fails as internal, naming it', async () => {
    const result = await run(httpCheck('/{{nope}}'), { baseUrl: server.url });
    expect(result.failure?.kind).toBe('internal');
    expect(result.failure?.message).toContain('{{nope}}');
  });
});
