import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_BANNER, startDemoService } from '../../demo/server.js';
import type { DemoService } from '../../demo/server.js';

const PASSWORD = 'demo-test-pw-123';
let demo: DemoService;

beforeAll(async () => {
  demo = await startDemoService({ password: PASSWORD });
});
afterAll(async () => {
  await demo.close();
});

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${demo.baseUrl}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown), headers: res.headers };
}

function login(body: string, contentType: string) {
  return call('/auth/token', { method: 'POST', body, headers: { 'content-type': contentType } });
}

describe('demo service', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(new URL(demo.baseUrl).hostname).toBe('127.0.0.1');
  });

  it('reports health and its version', async () => {
    const res = await call('/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({ status: 'ok', version: '1.4.2' });
  });

  const logins: { name: string; body: string; type: string; status: number }[] = [
    { name: 'JSON, right password', body: JSON.stringify({ username: 'demo-user', password: PASSWORD }), type: 'application/json', status: 200 },
    { name: 'form, right password', body: `username=demo-user&password=${encodeURIComponent(PASSWORD)}`, type: 'application/x-www-form-urlencoded', status: 200 },
    { name: 'JSON, wrong password', body: JSON.stringify({ username: 'demo-user', password: 'nope' }), type: 'application/json', status: 401 },
    { name: 'JSON, unknown user', body: JSON.stringify({ username: 'mallory', password: PASSWORD }), type: 'application/json', status: 401 },
    { name: 'malformed body', body: '{not json', type: 'application/json', status: 400 },
  ];
  for (const c of logins) {
    it(`POST /auth/token: ${c.name} → ${c.status}`, async () => {
      const res = await login(c.body, c.type);
      expect(res.status).toBe(c.status);
      if (c.status === 200) expect(res.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
    });
  }

  it('serves /me only with a token it issued', async () => {
    expect((await call('/me')).status).toBe(401);
    expect((await call('/me', { headers: { authorization: 'Bearer made-up' } })).status).toBe(401);
    const token = ((await login(JSON.stringify({ username: 'demo-user', password: PASSWORD }), 'application/json')).body as { access_token: string }).access_token;
    const me = await call('/me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'demo-user' });
  });

  it('lists products up to the limit and rejects a bad limit', async () => {
    const one = await call('/products?limit=1');
    expect(one.status).toBe(200);
    expect(one.body).toHaveLength(1);
    expect((await call('/products?limit=5')).body).toHaveLength(5);
    expect((await call('/products?limit=abc')).status).toBe(400);
  });

  it('answers 404 for unknown paths and 405 for wrong methods', async () => {
    expect((await call('/payments')).status).toBe(404);
    expect((await call('/health', { method: 'DELETE' })).status).toBe(405);
  });

  it('serves HTTPS for localhost with a certificate its CA file verifies', async () => {
    const ca = readFileSync(demo.caFile, 'utf8');
    expect(ca).toContain('BEGIN CERTIFICATE');
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.get(`${demo.httpsUrl}/health`, { ca, lookup: (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]) }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
    });
    expect(JSON.parse(body)).toEqual({ status: 'ok', version: '1.4.2' });
  });

  it('rejects an HTTPS client that does not trust the demo CA', async () => {
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      https.get(`https://127.0.0.1:${demo.httpsPort}/health`, (res) => res.resume()).on('error', resolve);
    });
    expect(error.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/);
  });

  it('greets on the TCP port and echoes what it receives', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(demo.tcpPort, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
        if (text.includes('ping')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.once('connect', () => socket.write('ping\n'));
      socket.on('error', reject);
    });
    expect(received.startsWith(`${DEMO_BANNER}\r\n`)).toBe(true);
    expect(received).toContain('ping\n');
  });
});
