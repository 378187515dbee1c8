// A flow that extracts a token under a neutral name (sid, jwt) and sends it as a credential:
// the token must be masked in the result (what the JSON report prints), the request log and
// failure messages, just like a value extracted under a secret-looking name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowCheck, FlowStep } from '../../lib/model/fleet.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { COMMON, fleetOf, optionsFor } from './helpers.js';

const PLANTED = 'Planted-Sess10n-7c1e9a';
let server: StartedHttpServer;

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/login') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-issued': PLANTED }).end(JSON.stringify({ session: { value: PLANTED }, order: 'order-4711' }));
        return;
      }
      // A careless service echoes the credentials it was sent in an error, as real ones do.
      const h = req.headers;
      const sent = [req.url, h.cookie, h.authorization, h['proxy-authorization'], h['x-session-token'], body].filter((v) => v !== undefined && v !== '');
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`rejected: ${sent.join(' ')}`);
    });
  });
});

afterAll(async () => {
  await server.close();
});

const login: FlowStep = {
  name: 'login',
  method: 'POST',
  url: '/login',
  sideEffects: { kind: 'none', reason: 'issues a short-lived session only' },
  assertions: [{ type: 'status', equals: 200 }],
  extract: { sid: { from: 'json', path: '$.session.value' }, jwt: { from: 'header', name: 'X-Issued' }, order: { from: 'json', path: '$.order' } },
};

// The echo fails the body assertion, so the failure message quotes what the service sent back.
const echoed = [{ type: 'body' as const, contains: 'welcome' }];

const placements: { name: string; step: Omit<FlowStep, 'name' | 'assertions'> }[] = [
  { name: 'a Cookie header', step: { url: '/account', headers: { Cookie: 'sid={{sid}}' } } },
  { name: 'an Authorization header', step: { url: '/account', headers: { Authorization: 'Bearer {{jwt}}' } } },
  { name: 'a Proxy-Authorization header', step: { url: '/account', headers: { 'Proxy-Authorization': 'Bearer {{jwt}}' } } },
  { name: 'a secret-named header', step: { url: '/account', headers: { 'X-Session-Token': '{{sid}}' } } },
  { name: 'a secret-named query parameter', step: { url: '/account', query: { access_token: '{{sid}}' } } },
  { name: 'a secret-named parameter written in the url', step: { url: '/account?api_key={{sid}}' } },
  {
    name: 'a secret-named form field',
    step: { url: '/account', method: 'POST', sideEffects: { kind: 'none', reason: 'read only' }, body: { form: { session_id: '{{sid}}' } } },
  },
  {
    name: 'a secret-named json field',
    step: { url: '/account', method: 'POST', sideEffects: { kind: 'none', reason: 'read only' }, body: { json: { auth: { refreshToken: '{{jwt}}' } } } },
  },
];

describe('flow: an extracted value sent as a credential is redacted', () => {
  for (const placement of placements) {
    it(`in ${placement.name}`, async () => {
      const check: FlowCheck = { ...COMMON, id: 'session-flow', kind: 'flow', steps: [login, { name: 'account', assertions: echoed, ...placement.step }] };
      const options = optionsFor(fleetOf([check], { prod: { baseUrl: server.url } }));
      const result = await runCheck({ check, environment: 'prod' }, options);

      // The token really reached the service and came back, so there was something to leak.
      expect(result.ok).toBe(false);
      expect(result.failure?.kind).toBe('assertion');
      expect(result.failure?.message).toContain('[REDACTED]');
      const outputs = [JSON.stringify(result), result.failure?.message ?? '', JSON.stringify(options.requestLog.entries)];
      for (const text of outputs) {
        expect(text).not.toContain(PLANTED);
        expect(text).not.toContain(encodeURIComponent(PLANTED));
        expect(text).not.toContain(Buffer.from(PLANTED).toString('base64'));
      }
    });
  }

  it('leaves a neutral value in a neutral place readable (an order id in a path)', async () => {
    const check: FlowCheck = { ...COMMON, id: 'order-flow', kind: 'flow', steps: [login, { name: 'order', url: '/orders/{{order}}', assertions: echoed }] };
    const options = optionsFor(fleetOf([check], { prod: { baseUrl: server.url } }));
    const result = await runCheck({ check, environment: 'prod' }, options);
    expect(result.ok).toBe(false);
    expect(options.requestLog.entries.map((e) => new URL(e.url).pathname)).toEqual(['/login', '/orders/order-4711']);
  });

  it('forgets the token when the check ends: the run-wide redactor never learns it', async () => {
    const check: FlowCheck = { ...COMMON, id: 'cookie-flow', kind: 'flow', steps: [login, { name: 'account', url: '/account', headers: { Cookie: 'sid={{sid}}' }, assertions: echoed }] };
    const options = optionsFor(fleetOf([check], { prod: { baseUrl: server.url } }));
    await runCheck({ check, environment: 'prod' }, options);
    expect(options.redactor.redact(`token ${PLANTED}`)).toBe(`token ${PLANTED}`);
  });
});
