// Flows: extraction feeds later steps; the first failing step fails the flow by name.
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import type { FlowCheck, FlowStep } from '../../lib/model/fleet.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { COMMON, fleetOf, optionsFor } from './helpers.js';

let server: StartedHttpServer;
const calls: string[] = [];

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    calls.push(`${req.method ?? ''} ${req.url ?? ''} ${req.headers.authorization ?? ''}`);
    if (req.url === '/auth/token') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-session': 'sess-77' }).end(JSON.stringify({ token: 'tok-123', user: { id: 42 } }));
    } else if (req.url === '/me' && req.headers.authorization === 'Bearer tok-123') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 42, name: 'probe' }));
    } else if (req.url === '/users/42/sessions/sess-77') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('session ok: order #9912 placed');
    } else if (req.url === '/orders/9912') {
      res.writeHead(204).end();
    } else {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
    }
  });
});

afterAll(async () => {
  await server.close();
});

function flow(steps: FlowStep[]): FlowCheck {
  return { ...COMMON, id: 'login-flow', kind: 'flow', steps };
}

const login: FlowStep = {
  name: 'get token',
  method: 'POST',
  url: '/auth/token',
  sideEffects: { kind: 'none', reason: 'issues a short-lived token only' },
  body: { json: { user: 'probe', password: 'x' } },
  assertions: [{ type: 'status', equals: 200 }],
  extract: { token: { from: 'json', path: '$.token' }, userId: { from: 'json', path: '$.user.id' }, session: { from: 'header', name: 'X-Session' } },
};

describe('flow', () => {
  it('passes extracted values to later steps; phases and bytes are sums, status is the last', async () => {
    calls.length = 0;
    const check = flow([
      login,
      { name: 'me', url: '/me', headers: { authorization: 'Bearer {{token}}' }, assertions: [{ type: 'json', path: '$.id', equals: 42 }] },
      { name: 'session', url: '/users/{{userId}}/sessions/{{session}}', extract: { order: { from: 'body', regex: 'order #(\\d+)' } }, assertions: [{ type: 'body', contains: 'session ok' }] },
      { name: 'order', url: '/orders/{{order}}', assertions: [{ type: 'status', equals: 204 }] },
    ]);
    const options = optionsFor(fleetOf([check], { prod: { baseUrl: server.url } }));
    const result = await runCheck({ check, environment: 'prod' }, options);
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
    expect(calls).toEqual(['POST /auth/token ', 'GET /me Bearer tok-123', 'GET /users/42/sessions/sess-77 ', 'GET /orders/9912 ']);
    expect(result.status).toBe(204);
    expect(options.requestLog.entries.map((e) => e.step)).toEqual(['get token', 'me', 'session', 'order']);
    const logged = options.requestLog.entries.reduce((sum, e) => sum + e.durationMs, 0);
    expect(Math.abs(logged - result.durationMs)).toBeLessThan(0.01);
    const p = result.phases;
    expect(Math.abs(p.dnsMs + p.connectMs + p.tlsMs + p.ttfbMs + p.transferMs - result.durationMs)).toBeLessThanOrEqual(5);
    expect(result.bytes).toBeGreaterThan(50);
    expect(result.assertions.map((a) => a.description)).toEqual(['get token › status', 'me › $.id', 'session › body', 'order › status']);
  });

  it('the first failing step fails the flow, is named, and later steps do not run', async () => {
    calls.length = 0;
    const check = flow([
      login,
      { name: 'me without token', url: '/me', assertions: [{ type: 'status', equals: 200 }] },
      { name: 'never', url: '/orders/1' },
    ]);
    const result = await runCheck({ check, environment: 'prod' }, optionsFor(fleetOf([check], { prod: { baseUrl: server.url } })));
    expect(result.failure).toMatchObject({ kind: 'assertion', step: 'me without token', retryable: false });
    expect(result.failure?.message).toContain('status: expected 200, got 401');
    expect(result.status).toBe(401);
    expect(calls).toHaveLength(2);
  });

  it('a missing extraction fails its step', async () => {
    const check = flow([{ ...login, extract: { nothing: { from: 'json', path: '$.missing' } } }, { name: 'later', url: '/me' }]);
    const result = await runCheck({ check, environment: 'prod' }, optionsFor(fleetOf([check], { prod: { baseUrl: server.url } })));
    expect(result.failure).toMatchObject({ kind: 'assertion', step: 'get token' });
    expect(result.failure?.message).toContain('$.missing');
  });

  it('a transport failure in a step is named too', async () => {
    const check = flow([login, { name: 'elsewhere', url: 'http://127.0.0.1:1/' }]);
    const result = await runCheck({ check, environment: 'prod' }, optionsFor(fleetOf([check], { prod: { baseUrl: server.url } })));
    expect(result.failure).toMatchObject({ kind: 'connect_refused', step: 'elsewhere', retryable: true });
  });
});
