// The dns, tcp and tls check kinds against real endpoints on 127.0.0.1 (and only the
// names `localhost` and one under `.invalid` for DNS).
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Check, DnsCheck, TcpCheck, TlsCheck } from '../../lib/model/fleet.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { createCa, issueCert } from '../../demo/certificates.js';
import type { Ca } from '../../demo/certificates.js';
import { startHttpsServer, startTcpServer } from '../support/servers.js';
import { COMMON, fleetOf, optionsFor } from './helpers.js';

const closers: (() => Promise<void>)[] = [];
let echoPort = 0;
let silentPort = 0;
let ca: Ca;
const tlsPorts: Record<string, number> = {};

beforeAll(async () => {
  const echo = await startTcpServer((socket: Socket) => {
    socket.write('220 probe-fleet test banner\r\n');
    socket.on('data', (data: Buffer) => socket.write(`you said: ${data.toString()}`));
  });
  const silent = await startTcpServer(() => undefined);
  closers.push(echo.close, silent.close);
  echoPort = echo.port;
  silentPort = silent.port;

  ca = await createCa();
  const day = 86_400_000;
  const certs = {
    fresh: await issueCert(ca, { hosts: ['127.0.0.1', 'localhost'] }),
    soon: await issueCert(ca, { hosts: ['127.0.0.1'], notAfter: new Date(Date.now() + 5 * day) }),
    wildcard: await issueCert(ca, { hosts: ['*.example.test'] }),
  };
  for (const [name, cert] of Object.entries(certs)) {
    const server = await startHttpsServer((_req, res) => res.end('ok'), cert);
    closers.push(server.close);
    tlsPorts[name] = server.port;
  }
});

afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

async function run(check: Check, extra: { hostAddresses?: Record<string, string> } = {}) {
  const fleet = fleetOf([check], { prod: { baseUrl: 'http://127.0.0.1:1', caCertificates: [{ $secret: 'ca' }] } });
  const options = optionsFor(fleet, extra, { PROBE_SECRET_CA: ca.certPem });
  const result = await runCheck({ check, environment: 'prod' }, options);
  return { result, log: options.requestLog.entries };
}

describe('dns', () => {
  const dns = (extra: Partial<DnsCheck>): DnsCheck => ({ ...COMMON, id: 'dns-check', kind: 'dns', hostname: 'localhost', recordType: 'A', timeoutMs: 2000, ...extra });

  it('localhost A includes 127.0.0.1', async () => {
    const { result, log } = await run(dns({ answersInclude: ['127.0.0.1'] }));
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
    expect(result.assertions).toEqual([{ description: 'localhost A', ok: true, expected: 'includes 127.0.0.1', actual: '[127.0.0.1]' }]);
    expect(result.phases.dnsMs).toBe(result.durationMs);
    expect(log).toEqual([expect.objectContaining({ method: 'DNS', url: 'dns:localhost?type=A', status: null })]);
  });

  it('a wrong expected answer is an assertion failure showing the answers', async () => {
    const { result } = await run(dns({ answersInclude: ['10.0.0.1'] }));
    expect(result.failure?.kind).toBe('assertion');
    expect(result.failure?.message).toContain('expected includes 10.0.0.1, got [127.0.0.1]');
  });

  it('a name under .invalid is NXDOMAIN: passes with expectNxdomain', async () => {
    const { result } = await run(dns({ hostname: 'probe-fleet-test.invalid', expectNxdomain: true }));
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
  });

  it('and fails as `dns` (retry-safe) when the name should exist', async () => {
    const { result } = await run(dns({ hostname: 'probe-fleet-test.invalid', answersInclude: ['127.0.0.1'] }));
    expect(result.failure).toMatchObject({ kind: 'dns', retryable: true });
  });

  it('expectNxdomain fails when the name exists', async () => {
    const { result } = await run(dns({ expectNxdomain: true }));
    expect(result.failure?.kind).toBe('assertion');
    expect(result.assertions[0]).toMatchObject({ ok: false, expected: 'NXDOMAIN', actual: '[127.0.0.1]' });
  });
});

describe('tcp', () => {
  const tcp = (extra: Partial<TcpCheck>): TcpCheck => ({ ...COMMON, id: 'tcp-check', kind: 'tcp', host: '127.0.0.1', port: echoPort, timeoutMs: 600, ...extra });

  it('connects, sends, and finds the reply', async () => {
    const { result, log } = await run(tcp({ send: 'PING\r\n', reply: { contains: 'you said: PING' } }));
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
    expect(result.bytes).toBeGreaterThan(0);
    const p = result.phases;
    expect(Math.abs(p.dnsMs + p.connectMs + p.tlsMs + p.ttfbMs + p.transferMs - result.durationMs)).toBeLessThanOrEqual(5);
    expect(log).toEqual([expect.objectContaining({ method: 'TCP', url: `tcp://127.0.0.1:${echoPort}` })]);
  });

  it('matches a banner by regex without sending', async () => {
    const { result } = await run(tcp({ reply: { matches: '^220 ' } }));
    expect(result.ok).toBe(true);
  });

  it('just connecting is enough without reply', async () => {
    const { result } = await run(tcp({ port: silentPort }));
    expect(result.ok).toBe(true);
  });

  it('a silent server is cut at the deadline and shows what it received', async () => {
    const started = performance.now();
    const { result } = await run(tcp({ port: silentPort, send: 'hello', reply: { contains: 'pong' } }));
    expect(result.failure?.kind).toBe('timeout');
    expect(result.failure?.message).toContain('expected a reply containing "pong"');
    expect(performance.now() - started).toBeLessThanOrEqual(600 + 250);
  });

  it('a banner that arrives but does not match is an assertion, not a timeout, in TCP wording', async () => {
    const { result } = await run(tcp({ reply: { contains: 'SSH-2.0' } }));
    expect(result.failure).toMatchObject({ kind: 'assertion', retryable: false });
    expect(result.failure?.message).toContain('reply: expected a reply containing "SSH-2.0", got "220 probe-fleet test banner\\r\\n"');
    expect(result.failure?.message).not.toMatch(/response headers|HTTP/);
    expect(result.assertions).toEqual([{ description: 'reply', ok: false, expected: 'contains "SSH-2.0"', actual: '"220 probe-fleet test banner\\r\\n"' }]);
  });

  it('a server that says nothing at all is a timeout, in TCP wording', async () => {
    const { result } = await run(tcp({ port: silentPort, reply: { matches: '^220 ' } }));
    expect(result.failure).toMatchObject({ kind: 'timeout', retryable: true });
    expect(result.failure?.message).toMatch(/no reply within the 600 ms timeout after connecting, expected a reply matching \/\^220 \/, received nothing/);
  });

  it('a closed port is connect_refused', async () => {
    const { result } = await run(tcp({ port: 1 }));
    expect(result.failure).toMatchObject({ kind: 'connect_refused', retryable: true });
  });
});

describe('tls', () => {
  const tls = (extra: Partial<TlsCheck>): TlsCheck => ({ ...COMMON, id: 'tls-check', kind: 'tls', host: '127.0.0.1', port: tlsPorts.fresh ?? 0, timeoutMs: 2000, ...extra });

  it('a fresh certificate from a trusted CA passes, with days remaining', async () => {
    const { result, log } = await run(tls({}));
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
    expect(result.certDaysRemaining).toBeGreaterThanOrEqual(88);
    expect(result.assertions.map((a) => a.description)).toEqual(['certificate chain', 'certificate hostname', 'certificate days remaining', 'protocol']);
    expect(log).toEqual([expect.objectContaining({ method: 'TLS', url: `tls://127.0.0.1:${tlsPorts.fresh ?? 0}` })]);
  });

  it('fewer days than minDaysRemaining fails as an assertion with the number', async () => {
    const { result } = await run(tls({ port: tlsPorts.soon ?? 0 }));
    expect(result.failure?.kind).toBe('assertion');
    expect(result.failure?.message).toMatch(/certificate days remaining: expected >= 14, got [45]/);
    expect(result.certDaysRemaining).toBeLessThanOrEqual(5);
  });

  it('wildcards follow browser rules', async () => {
    const port = tlsPorts.wildcard ?? 0;
    const pins = { 'api.example.test': '127.0.0.1', 'a.b.example.test': '127.0.0.1', 'example.test': '127.0.0.1' };
    const one = await run(tls({ host: 'api.example.test', port }), { hostAddresses: pins });
    const two = await run(tls({ host: 'a.b.example.test', port }), { hostAddresses: pins });
    const bare = await run(tls({ host: 'example.test', port }), { hostAddresses: pins });
    expect(one.result.ok, JSON.stringify(one.result.failure)).toBe(true);
    expect(two.result.failure?.kind).toBe('tls_hostname');
    expect(bare.result.failure?.kind).toBe('tls_hostname');
  });

  it('minProtocol TLSv1.3 negotiates 1.3 and reports it', async () => {
    const { result } = await run(tls({ minProtocol: 'TLSv1.3' }));
    expect(result.ok).toBe(true);
    expect(result.assertions.find((a) => a.description === 'protocol')?.actual).toBe('TLSv1.3');
  });

  it('a server capped at TLS 1.2 fails minProtocol TLSv1.3 as tls_handshake', async () => {
    const cert = await issueCert(ca, { hosts: ['127.0.0.1'] });
    const server = createTlsServer({ cert: cert.certPem, key: cert.keyPem, maxVersion: 'TLSv1.2' }, (socket) => socket.end());
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const old = await run(tls({ port, minProtocol: 'TLSv1.2' }));
      const strict = await run(tls({ port, minProtocol: 'TLSv1.3' }));
      expect(old.result.ok, JSON.stringify(old.result.failure)).toBe(true);
      expect(strict.result.failure?.kind).toBe('tls_handshake');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
