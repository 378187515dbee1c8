// A planted secret, used as a bearer token and in a query string, never appears in the
// result JSON or the request log, even when the server echoes it back.
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import type { FlowCheck } from '../../lib/model/fleet.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { COMMON, fleetOf, httpCheck, optionsFor } from './helpers.js';

const PLANTED = 'pl@nted s3cret/value+42';
let server: StartedHttpServer;
const seen: { authorization?: string; url?: string }[] = [];

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    seen.push({ ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), ...(req.url ? { url: req.url } : {}) });
    // Echo everything back, so a leak through the body, headers or messages would show.
    res.writeHead(401, { 'content-type': 'application/json', 'x-echo': req.headers.authorization ?? '', location: req.url ?? '' });
    res.end(JSON.stringify({ auth: req.headers.authorization, url: req.url, password: PLANTED }));
  });
});

afterAll(async () => {
  await server.close();
});

describe('secrets', () => {
  it('are sent on the wire but never appear in the result or the request log', async () => {
    const check = httpCheck('/login', {
      auth: { bearer: { $secret: 'test-password' } },
      query: { key: '{{password}}', plain: 'visible' },
      assertions: [
        { type: 'status', equals: 200 },
        { type: 'body', contains: 'welcome' },
        { type: 'header', name: 'x-echo', equals: 'nope' },
        { type: 'json', path: '$.password', equals: 'other' },
      ],
    });
    const fleet = fleetOf([check], { prod: { baseUrl: server.url, variables: { password: { $secret: 'test-password' } } } });
    const options = optionsFor(fleet, {}, { PROBE_SECRET_TEST_PASSWORD: PLANTED });
    const result = await runCheck({ check, environment: 'prod' }, options);

    // It really was used: the server received it.
    expect(seen.at(-1)?.authorization).toBe(`Bearer ${PLANTED}`);
    expect(seen.at(-1)?.url).toContain(`key=${encodeURIComponent(PLANTED)}`);

    expect(result.failure?.kind).toBe('assertion');
    const everything = JSON.stringify(result) + JSON.stringify(options.requestLog.entries);
    expect(everything).toContain('[REDACTED]');
    expect(everything).toContain('plain=visible');
    for (const form of [PLANTED, encodeURIComponent(PLANTED), Buffer.from(PLANTED).toString('base64'), 'pl@nted']) {
      expect(everything).not.toContain(form);
    }
  });

  it('basic auth credentials are redacted in their encoded form too', async () => {
    const check: FlowCheck = {
      ...COMMON,
      id: 'basic-flow',
      kind: 'flow',
      steps: [{ name: 'login', url: '/basic', auth: { basic: { username: 'probe-user', password: { $secret: 'test-password' } } }, assertions: [{ type: 'body', contains: 'nothing' }] }],
    };
    const fleet = fleetOf([check], { prod: { baseUrl: server.url } });
    const options = optionsFor(fleet, {}, { PROBE_SECRET_TEST_PASSWORD: PLANTED });
    const result = await runCheck({ check, environment: 'prod' }, options);
    const basic = Buffer.from(`probe-user:${PLANTED}`).toString('base64');
    expect(seen.at(-1)?.authorization).toBe(`Basic ${basic}`);
    const everything = JSON.stringify(result) + JSON.stringify(options.requestLog.entries);
    expect(everything).not.toContain(basic);
    expect(everything).not.toContain(PLANTED);
  });

  it('a missing secret fails the check as `internal`, naming the secret, without sending anything', async () => {
    const before = seen.length;
    const check = httpCheck('/login', { auth: { bearer: { $secret: 'absent-token' } } });
    const fleet = fleetOf([check], { prod: { baseUrl: server.url } });
    const result = await runCheck({ check, environment: 'prod' }, optionsFor(fleet));
    expect(result.failure?.kind).toBe('internal');
    expect(result.failure?.retryable).toBe(false);
    expect(result.failure?.message).toContain("secret 'absent-token'");
    expect(result.failure?.message).toContain('PROBE_SECRET_ABSENT_TOKEN');
    expect(seen.length).toBe(before);
  });
});
