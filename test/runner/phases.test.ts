// Phase timings are contiguous and add up to the measured duration.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { CheckResult } from '../../lib/model/result.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { createCa, issueCert } from '../../demo/certificates.js';
import { startHttpServer, startHttpsServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { fleetOf, httpCheck, optionsFor } from './helpers.js';

const servers: StartedHttpServer[] = [];
let plainUrl = '';
let httpsUrl = '';
let caPem = '';

function handler(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const delay = Number(url.searchParams.get('delay') ?? 0);
  const bodyDelay = Number(url.searchParams.get('bodyDelay') ?? 0);
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first part ');
    setTimeout(() => res.end('second part'), bodyDelay);
  }, delay);
}

beforeAll(async () => {
  const plain = await startHttpServer(handler);
  const ca = await createCa();
  const tls = await startHttpsServer(handler, await issueCert(ca, { hosts: ['127.0.0.1'] }));
  servers.push(plain, tls);
  plainUrl = plain.url;
  httpsUrl = tls.url;
  caPem = ca.certPem;
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function sum(result: CheckResult): number {
  const p = result.phases;
  return p.dnsMs + p.connectMs + p.tlsMs + p.ttfbMs + p.transferMs;
}

async function run(url: string): Promise<CheckResult> {
  const check = { ...httpCheck(url), timeoutMs: 2000 };
  const fleet = fleetOf([check], { prod: { baseUrl: plainUrl, caCertificates: [{ $secret: 'ca' }] } });
  return runCheck({ check, environment: 'prod' }, optionsFor(fleet, {}, { PROBE_SECRET_CA: caPem }));
}

describe('phases', () => {
  it.each([
    { name: 'plain http', url: () => `${plainUrl}/?bodyDelay=150`, tls: false },
    { name: 'https', url: () => `${httpsUrl}/?bodyDelay=150`, tls: true },
  ])('$name: phases add up to durationMs within 5 ms', async ({ url, tls }) => {
    const result = await run(url());
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
    expect(Math.abs(sum(result) - result.durationMs)).toBeLessThanOrEqual(5);
    for (const value of Object.values(result.phases)) expect(value).toBeGreaterThanOrEqual(0);
    expect(result.phases.tlsMs > 0).toBe(tls);
    expect(result.certDaysRemaining === null).toBe(!tls);
    // The body arrives in two parts 150 ms apart: that wait is transfer, not ttfb.
    expect(result.phases.transferMs).toBeGreaterThanOrEqual(100);
  });

  it('a 200 ms delay before the headers shows in ttfbMs', async () => {
    const result = await run(`${plainUrl}/?delay=200`);
    expect(result.ok).toBe(true);
    expect(result.phases.ttfbMs).toBeGreaterThanOrEqual(190);
    expect(Math.abs(sum(result) - result.durationMs)).toBeLessThanOrEqual(5);
  });

  it('a failed exchange still has phases that add up', async () => {
    const check = { ...httpCheck(`${plainUrl}/?delay=5000`), timeoutMs: 300 };
    const fleet = fleetOf([check], { prod: { baseUrl: plainUrl } });
    const result = await runCheck({ check, environment: 'prod' }, optionsFor(fleet));
    expect(result.failure?.kind).toBe('timeout');
    expect(result.phases.ttfbMs).toBeGreaterThanOrEqual(250);
    expect(Math.abs(sum(result) - result.durationMs)).toBeLessThanOrEqual(5);
  });
});
