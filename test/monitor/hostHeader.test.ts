// The status page answers only requests addressed to it: a DNS-rebinding page (evil.example
// resolving to 127.0.0.1) sends its own name as Host and must get 421, not the fleet's status.
import * as http from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fleet } from '../../lib/model/fleet.js';
import { Monitor } from '../../lib/monitor/monitor.js';
import { consoleNotifier, monitorNotifyConfig } from '../../lib/monitor/notifier.js';
import { bindWarning, hostAllowed, startStatusServer } from '../../lib/monitor/server.js';
import type { StatusServer } from '../../lib/monitor/server.js';
import { ResultStore } from '../../lib/monitor/store.js';
import { EnvSecretProvider, Redactor } from '../../lib/secrets/secrets.js';
import { TEAM, tempDir } from './support.js';

/** A raw GET with exactly the Host header given (none when null). */
function get(port: number, path: string, host: string | null): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', setHost: false, headers: host === null ? {} : { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        // The event stream never ends by itself: its first bytes are enough.
        if (path === '/api/events') req.destroy();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('close', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    req.end();
  });
}

describe('status page: Host header', () => {
  let dir: string;
  let store: ResultStore;
  let server: StatusServer;
  const log: string[] = [];

  beforeAll(async () => {
    dir = tempDir('probe-fleet-host-');
    const fleet: Fleet = {
      name: 'demo',
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      environments: { local: { baseUrl: 'http://127.0.0.1:9' } },
      checks: [{ kind: 'http', id: 'health', name: 'Health', service: 'demo', ...TEAM, runbook: 'https://runbooks.example/health', expect: '200', severity: 'critical', url: '/health' }],
    };
    const opened = ResultStore.open(join(dir, 'data'));
    store = opened.store;
    const monitor = new Monitor({
      fleet,
      environments: ['local'],
      secrets: new EnvSecretProvider({}),
      redactor: new Redactor(),
      requestLog: { write: () => undefined },
      store,
      stored: opened.results,
      notifier: consoleNotifier(() => undefined),
      notifyConfig: monitorNotifyConfig(fleet, 'http://127.0.0.1/'),
      log: (line) => log.push(line),
    });
    server = await startStatusServer({ monitor, fleet, environments: ['local'], location: 'local', host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints no warning when bound to loopback', () => {
    expect(log.filter((l) => l.includes('warning'))).toEqual([]);
  });

  const cases: { name: string; path: string; host: (port: number) => string | null; status: number }[] = [
    { name: 'the bound address', path: '/api/status', host: (p) => `127.0.0.1:${p}`, status: 200 },
    { name: 'localhost, any case', path: '/api/status', host: (p) => `LocalHost:${p}`, status: 200 },
    { name: 'the page itself', path: '/', host: (p) => `localhost:${p}`, status: 200 },
    { name: 'a rebound foreign name', path: '/api/status', host: (p) => `evil.example:${p}`, status: 421 },
    { name: 'a foreign name on the event stream', path: '/api/events', host: (p) => `evil.example:${p}`, status: 421 },
    { name: 'a foreign name on the page', path: '/', host: (p) => `evil.example:${p}`, status: 421 },
    { name: 'the right name, another port', path: '/api/status', host: (p) => `127.0.0.1:${p + 1}`, status: 421 },
    { name: 'no port (port 80 implied)', path: '/api/status', host: () => 'localhost', status: 421 },
    { name: 'a name that only starts like localhost', path: '/api/status', host: (p) => `localhost.evil.example:${p}`, status: 421 },
    // Node's server refuses an HTTP/1.1 request without Host before any handler runs.
    { name: 'no Host header at all', path: '/api/status', host: () => null, status: 400 },
  ];
  it.each(cases)('$name → $status', async (c) => {
    const { status, body } = await get(server.port, c.path, c.host(server.port));
    expect(status).toBe(c.status);
    if (c.status !== 200) expect(body).not.toContain('"services"');
    if (c.status === 421) {
      expect(body).toMatch(/^misdirected request: Host .* is not this status page; expected 127\.0\.0\.1:\d+ or localhost:\d+/);
      expect(body).not.toContain('Health');
    }
  });
});

describe('hostAllowed and bindWarning (addresses the tests cannot bind to)', () => {
  const cases: { name: string; header: string | undefined; bound: string; allowed: boolean }[] = [
    { name: 'IPv6 loopback, bracketed', header: '[::1]:8787', bound: '::1', allowed: true },
    { name: '--host localhost: a loopback literal', header: '127.0.0.1:8787', bound: 'localhost', allowed: true },
    { name: '--host localhost: a foreign name', header: 'evil.example:8787', bound: 'localhost', allowed: false },
    { name: 'loopback: a non-loopback literal', header: '192.0.2.10:8787', bound: '127.0.0.1', allowed: false },
    { name: 'wildcard: an IP literal of this machine', header: '192.0.2.10:8787', bound: '0.0.0.0', allowed: true },
    { name: 'wildcard: a bracketed IPv6 literal', header: '[2001:db8::1]:8787', bound: '::', allowed: true },
    { name: 'wildcard: a DNS name is what rebinding sends', header: 'evil.example:8787', bound: '0.0.0.0', allowed: false },
    { name: 'named --host: that name', header: 'monitor.internal:8787', bound: 'monitor.internal', allowed: true },
    { name: 'named --host: another name', header: 'evil.example:8787', bound: 'monitor.internal', allowed: false },
    { name: 'specific address: another address', header: '192.0.2.11:8787', bound: '192.0.2.10', allowed: false },
    { name: 'garbage', header: 'a b:8787', bound: '127.0.0.1', allowed: false },
  ];
  it.each(cases)('$name', (c) => {
    expect(hostAllowed(c.header, c.bound, 8787)).toBe(c.allowed);
  });

  it('warns for every address other machines can reach, never for loopback', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) expect(bindWarning(host, 8787)).toBeNull();
    for (const host of ['0.0.0.0', '::', '192.0.2.10', 'monitor.internal']) expect(bindWarning(host, 8787)).toMatch(/^warning: the status page listens on .*:8787, reachable from other machines; it has no authentication/);
  });
});
