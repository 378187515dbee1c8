// Every failure kind produced by a real misbehaving server on 127.0.0.1, classified
// correctly and returned within the check's deadline plus 250 ms.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { FailureKind } from '../../lib/model/result.js';
import type { Environment, HttpCheck } from '../../lib/model/fleet.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { createCa, issueCert, selfSignedCert } from '../../demo/certificates.js';
import type { Ca } from '../../demo/certificates.js';
import { startHttpServer, startHttpsServer, startTcpServer } from '../support/servers.js';
import { fleetOf, httpCheck, optionsFor } from './helpers.js';

const TIMEOUT_MS = 600;
const SLACK_MS = 250;
const MB = 1024 * 1024;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
const closers: (() => Promise<void>)[] = [];
const timers = new Set<NodeJS.Timeout>();
let hugeBodyBytesWritten = 0;
let plainUrl = '';
let closedPort = 0;
let garbageTlsPort = 0;
let ca: Ca;
const tlsUrls: Record<string, string> = {};
let caDir = '';
let caPem = '';

function plain(req: IncomingMessage, res: ServerResponse): void {
  switch (req.url) {
    case '/reset': {
      res.writeHead(200, { 'content-length': '100000' });
      res.write('x'.repeat(1000), () => {
        req.socket.resetAndDestroy();
      });
      return;
    }
    case '/hang':
      return; // never answers
    case '/trickle': {
      res.writeHead(200, { 'content-length': '1000000' });
      const timer = setInterval(() => {
        if (res.destroyed) {
          clearInterval(timer);
          timers.delete(timer);
          return;
        }
        res.write('.');
      }, 20);
      timers.add(timer);
      return;
    }
    case '/huge': {
      const total = 100 * MB;
      res.writeHead(200, { 'content-length': String(total), 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = (): void => {
        while (hugeBodyBytesWritten < total && !res.destroyed) {
          hugeBodyBytesWritten += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        if (!res.destroyed) res.end();
      };
      pump();
      return;
    }
    case '/loop-a':
      res.writeHead(302, { location: '/loop-b' }).end();
      return;
    case '/loop-b':
      res.writeHead(302, { location: '/loop-a' }).end();
      return;
    case '/invalid-json':
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status": "ok",');
      return;
    case '/error':
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    default:
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  }
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  const server = await startHttpServer(plain);
  closers.push(server.close);
  plainUrl = server.url;

  const gone = await startTcpServer(() => undefined);
  closedPort = gone.port;
  await gone.close();

  // Answers a TLS ClientHello with plain text, so the handshake cannot complete.
  const garbage = await startTcpServer((socket: Socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  });
  closers.push(garbage.close);
  garbageTlsPort = garbage.port;

  ca = await createCa();
  const day = 86_400_000;
  const certs = {
    valid: await issueCert(ca, { hosts: ['127.0.0.1'] }),
    expired: await issueCert(ca, { hosts: ['127.0.0.1'], notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) }),
    selfSigned: await selfSignedCert({ hosts: ['127.0.0.1'] }),
    wrongHost: await issueCert(ca, { hosts: ['other.example.test'] }),
    wildcard: await issueCert(ca, { hosts: ['*.example.test'] }),
  };
  for (const [name, cert] of Object.entries(certs)) {
    const https = await startHttpsServer((_req, res) => res.end('{"status":"ok"}'), cert);
    closers.push(https.close);
    tlsUrls[name] = https.url;
  }
  caDir = mkdtempSync(join(tmpdir(), 'probe-fleet-ca-'));
  writeFileSync(join(caDir, 'ca.pem'), ca.certPem);
  caPem = ca.certPem;
});

afterAll(async () => {
  for (const timer of timers) clearInterval(timer);
  await Promise.all(closers.map((close) => close()));
  process.off('unhandledRejection', onUnhandled);
  rmSync(caDir, { recursive: true, force: true });
});

interface Scenario {
  name: string;
  kind: FailureKind | null;
  check: () => HttpCheck;
  environment?: () => Environment;
  hostAddresses?: Record<string, string>;
  /** Extra checks on the result. */
  verify?: (result: Awaited<ReturnType<typeof runCheck>>) => void;
}

const privateCa = (): Environment => ({ baseUrl: plainUrl, caCertificates: [{ $secret: 'test-ca' }] });
const portOf = (url: string | undefined): string => new URL(url ?? 'http://x').port;

const scenarios: Scenario[] = [
  { name: 'connection refused on a closed port', kind: 'connect_refused', check: () => httpCheck(`http://127.0.0.1:${closedPort}/`) },
  { name: 'name that does not exist', kind: 'dns', check: () => httpCheck('http://no-such-host.invalid/') },
  {
    name: 'reset in the middle of the body',
    kind: 'reset',
    check: () => httpCheck('/reset'),
    verify: (r) => {
      expect(r.status).toBe(200);
    },
  },
  { name: 'hang before the headers', kind: 'timeout', check: () => httpCheck('/hang') },
  {
    name: 'body trickled forever',
    kind: 'timeout',
    check: () => httpCheck('/trickle'),
    verify: (r) => {
      expect(r.failure?.message).toMatch(/reading the body/);
    },
  },
  {
    name: '100 MB body stops at the cap',
    kind: 'body_too_large',
    check: () => httpCheck('/huge'),
    verify: (r) => {
      expect(r.bytes).toBe(MB);
      expect(r.failure?.retryable).toBe(false);
    },
  },
  { name: 'redirect loop', kind: 'redirect_loop', check: () => httpCheck('/loop-a', { followRedirects: 5 }) },
  { name: 'invalid JSON', kind: 'invalid_json', check: () => httpCheck('/invalid-json', { assertions: [{ type: 'json', path: '$.status', equals: 'ok' }] }) },
  {
    name: '500 fails the status assertion',
    kind: 'assertion',
    check: () => httpCheck('/error', { assertions: [{ type: 'status', equals: 200 }] }),
    verify: (r) => {
      expect(r.assertions).toEqual([{ description: 'status', ok: false, expected: '200', actual: '500' }]);
      expect(r.failure?.message).toContain('status: expected 200, got 500');
    },
  },
  { name: 'TLS handshake with a server that does not speak TLS', kind: 'tls_handshake', check: () => httpCheck(`https://127.0.0.1:${garbageTlsPort}/`) },
  {
    name: 'expired certificate from a trusted CA',
    kind: 'tls_expired',
    check: () => httpCheck(tlsUrls.expired ?? ''),
    environment: privateCa,
    verify: (r) => {
      expect(r.certDaysRemaining).toBeLessThan(0);
    },
  },
  {
    name: 'self-signed certificate',
    kind: 'tls_untrusted',
    check: () => httpCheck(tlsUrls.selfSigned ?? ''),
    verify: (r) => {
      expect(r.certDaysRemaining).toBeGreaterThan(80);
    },
  },
  { name: 'certificate from a CA not trusted', kind: 'tls_untrusted', check: () => httpCheck(tlsUrls.valid ?? '') },
  { name: 'certificate for another host', kind: 'tls_hostname', check: () => httpCheck(tlsUrls.wrongHost ?? ''), environment: privateCa },
  {
    name: 'private CA from a file: trusted',
    kind: null,
    check: () => httpCheck(tlsUrls.valid ?? ''),
    environment: () => ({ baseUrl: plainUrl, caCertificates: [{ file: join(caDir, 'ca.pem') }] }),
    verify: (r) => {
      expect(r.certDaysRemaining).toBeGreaterThanOrEqual(88);
      expect(r.phases.tlsMs).toBeGreaterThan(0);
    },
  },
  {
    name: 'private CA as PEM text (how a file travels in a Lambda bundle): trusted',
    kind: null,
    check: () => httpCheck(tlsUrls.valid ?? ''),
    environment: () => ({ baseUrl: plainUrl, caCertificates: [{ pem: caPem }] }),
  },
  {
    name: 'wildcard certificate matches one label',
    kind: null,
    check: () => httpCheck(`https://api.example.test:${portOf(tlsUrls.wildcard)}/`),
    environment: privateCa,
    hostAddresses: { 'api.example.test': '127.0.0.1' },
  },
  {
    name: 'wildcard certificate does not match two labels',
    kind: 'tls_hostname',
    check: () => httpCheck(`https://a.b.example.test:${portOf(tlsUrls.wildcard)}/`),
    environment: privateCa,
    hostAddresses: { 'a.b.example.test': '127.0.0.1' },
    verify: (result) => expect(result.failure?.message).toContain('(hint: *.example.test covers exactly one label below example.test; a.b.example.test is 2 labels below it: it needs *.b.example.test or its own name)'),
  },
  {
    name: 'wildcard certificate does not match the bare domain',
    kind: 'tls_hostname',
    check: () => httpCheck(`https://example.test:${portOf(tlsUrls.wildcard)}/`),
    environment: privateCa,
    hostAddresses: { 'example.test': '127.0.0.1' },
    verify: (result) => expect(result.failure?.message).toContain("(hint: *.example.test covers one label below example.test, such as www.example.test, not example.test itself: add example.test to the certificate's names)"),
  },
];

describe('failure kinds from misbehaving servers', () => {
  it.each(scenarios)('$name → $kind', async (scenario) => {
    const check = { ...scenario.check(), timeoutMs: TIMEOUT_MS };
    const environment = scenario.environment?.() ?? { baseUrl: plainUrl };
    const fleet = fleetOf([check], { prod: environment });
    const options = optionsFor(fleet, scenario.hostAddresses ? { hostAddresses: scenario.hostAddresses } : {}, { PROBE_SECRET_TEST_CA: ca.certPem });
    const started = performance.now();
    const result = await runCheck({ check, environment: 'prod' }, options);
    const elapsed = performance.now() - started;

    expect(result.failure?.kind ?? null, JSON.stringify(result.failure)).toBe(scenario.kind);
    expect(result.ok).toBe(scenario.kind === null);
    expect(elapsed).toBeLessThanOrEqual(TIMEOUT_MS + SLACK_MS);
    expect(result.attempts).toBe(1);
    if (result.failure) {
      expect(result.failure.message.length).toBeGreaterThan(20);
      expect(result.failure.message).toMatch(/retry/);
    }
    expect(options.requestLog.entries.length).toBeGreaterThanOrEqual(1);
    scenario.verify?.(result);
  });

  it('the 100 MB server was cut off long before sending it all', () => {
    expect(hugeBodyBytesWritten).toBeGreaterThan(MB);
    expect(hugeBodyBytesWritten).toBeLessThan(20 * MB);
  });

  it('the run deadline cuts a hanging check as `deadline`, not retried', async () => {
    const check = { ...httpCheck('/hang'), timeoutMs: 5_000, retries: { count: 2, onlyOn: 'any' as const } };
    const fleet = fleetOf([check], { prod: { baseUrl: plainUrl } });
    const started = performance.now();
    const result = await runCheck({ check, environment: 'prod' }, optionsFor(fleet, { deadline: Date.now() + 400 }));
    expect(result.failure?.kind).toBe('deadline');
    expect(result.attempts).toBe(1);
    expect(performance.now() - started).toBeLessThanOrEqual(400 + SLACK_MS);
  });

  it('left no unhandled rejection behind', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
  });
});
