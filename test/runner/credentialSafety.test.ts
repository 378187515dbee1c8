// Credentials stay where they belong: tokens a flow obtains are redacted like secrets,
// redirects to another origin carry no credentials and no writes, a malformed Location is a
// classified failure, and a secret cut by an excerpt's clip leaves no recognisable prefix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingHttpHeaders } from 'node:http';
import type { FlowCheck } from '../../lib/model/fleet.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { COMMON, fleetOf, httpCheck, optionsFor } from './helpers.js';

const TOKEN = 'eyJ-issued-session-token-7f3a9c';
const SECRET = 'k3y-for-the-api-only';
let home: StartedHttpServer;
let elsewhere: StartedHttpServer;
const homeSeen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
const elsewhereSeen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  elsewhere = await startHttpServer((req, res) => {
    elsewhereSeen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/plain' }).end('elsewhere');
  });
  home = await startHttpServer((req, res) => {
    homeSeen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const url = req.url ?? '/';
    if (url === '/token') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: TOKEN }));
    else if (url.startsWith('/me')) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: req.headers.authorization }));
    else if (url === '/away') res.writeHead(302, { location: `${elsewhere.url}/landing` }).end();
    else if (url === '/away-307') res.writeHead(307, { location: `${elsewhere.url}/landing` }).end();
    else if (url === '/bad-location') res.writeHead(302, { location: 'http://[::1' }).end();
    else if (url === '/long') res.writeHead(200, { 'content-type': 'text/plain' }).end(`${'x'.repeat(110)}${SECRET} and more text after it`);
    else res.writeHead(404).end();
  });
});

afterAll(async () => {
  await home.close();
  await elsewhere.close();
});

describe('credential safety', () => {
  it('a token a flow extracts is redacted from assertions, messages and the request log', async () => {
    const check: FlowCheck = {
      ...COMMON,
      id: 'login-flow',
      kind: 'flow',
      steps: [
        { name: 'token', url: '/token', extract: { accessToken: { from: 'json', path: '$.access_token' } }, assertions: [{ type: 'json', path: '$.access_token', exists: true }] },
        { name: 'me', url: '/me?t={{accessToken}}', headers: { authorization: 'Bearer {{accessToken}}' }, assertions: [{ type: 'json', path: '$.echo', equals: 'someone else' }] },
      ],
    };
    const options = optionsFor(fleetOf([check], { prod: { baseUrl: home.url } }));
    const result = await runCheck({ check, environment: 'prod' }, options);
    // The token really went on the wire…
    expect(homeSeen.some((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    // …and appears nowhere in what the run produced, though the server echoed it back.
    expect(result.failure?.step).toBe('me');
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(JSON.stringify(options.requestLog.entries)).not.toContain(TOKEN);
    // The scope ended with the check: the run's redactor did not keep the token.
    expect(options.redactor.redact(TOKEN)).toBe(TOKEN);
  });

  it('a redirect to another origin drops credential headers and headers holding secrets', async () => {
    const check = httpCheck('/away', {
      followRedirects: 2,
      headers: { 'x-api-key': { $secret: 'api-key' }, cookie: 'session=abc', 'x-tenant': 'acme', 'x-forwarded-key': '{{apiKey}}' },
    });
    const fleet = fleetOf([check], { prod: { baseUrl: home.url, variables: { apiKey: { $secret: 'api-key' } } } });
    const result = await runCheck({ check, environment: 'prod' }, optionsFor(fleet, {}, { PROBE_SECRET_API_KEY: SECRET }));
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
    const first = homeSeen.filter((r) => r.url === '/away').at(-1)!;
    expect(first.headers['x-api-key']).toBe(SECRET);
    const landed = elsewhereSeen.at(-1)!;
    expect(landed.url).toBe('/landing');
    expect(landed.headers['x-tenant']).toBe('acme');
    expect(landed.headers['x-synthetic-request']).toBe('true');
    for (const name of ['x-api-key', 'cookie', 'x-forwarded-key', 'authorization']) expect(landed.headers[name]).toBeUndefined();
  });

  it('a 307 that would carry a write to another origin is refused, and nothing is sent there', async () => {
    const before = elsewhereSeen.length;
    const check = httpCheck('/away-307', { method: 'POST', sideEffects: { kind: 'none', reason: 'a failed login' }, body: { form: { password: '{{pw}}' } }, followRedirects: 2 });
    const fleet = fleetOf([check], { prod: { baseUrl: home.url, variables: { pw: { $secret: 'api-key' } } } });
    const result = await runCheck({ check, environment: 'prod' }, optionsFor(fleet, {}, { PROBE_SECRET_API_KEY: SECRET }));
    expect(result.failure?.kind).toBe('guard_blocked');
    expect(elsewhereSeen.length).toBe(before);
  });

  it('a malformed Location is a classified redirect failure, not an internal error', async () => {
    const check = httpCheck('/bad-location', { followRedirects: 2 });
    const result = await runCheck({ check, environment: 'prod' }, optionsFor(fleetOf([check], { prod: { baseUrl: home.url } })));
    expect(result.failure?.kind).toBe('redirect_loop');
    expect(result.failure?.message).toContain('unusable Location');
  });

  it('a secret that an excerpt would cut in half leaves no prefix behind', async () => {
    const check = httpCheck('/long', { headers: { 'x-api-key': { $secret: 'api-key' } }, assertions: [{ type: 'body', contains: 'never there' }] });
    const result = await runCheck({ check, environment: 'prod' }, optionsFor(fleetOf([check], { prod: { baseUrl: home.url } }), {}, { PROBE_SECRET_API_KEY: SECRET }));
    const text = JSON.stringify(result);
    expect(result.failure?.kind).toBe('assertion');
    // The clip falls inside the secret; the first half of it must not survive either.
    expect(text).not.toContain(SECRET.slice(0, 8));
  });
});
