// The probe's side of the metric contract, on the wire: datums carry the run's scheduled time,
// certificates are one series per endpoint (first run of the UTC day, and at or below the
// warning threshold), a failed secret lookup publishes no Success and counts in
// SecretLookupFailures, and the EMF fallback has the same shape.
//
// The handler's clock is the real clock moved ahead by a whole number of hours (so deadlines
// still lie ahead of the runner's real clock) to land on a chosen minute of a UTC day.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createProbeHandler } from '../../lib/lambda/probeHandler.js';
import { freezeFleet } from '../../lib/lambda/frozenFleet.js';
import { planShards } from '../../lib/lambda/shards.js';
import type { Check, Fleet } from '../../lib/model/fleet.js';
import { createCa, issueCert } from '../../demo/certificates.js';
import { startFakeAws } from '../support/fakeAws.js';
import type { FakeAws, MetricDatumRecord } from '../support/fakeAws.js';
import { startHttpServer, startHttpsServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { context, httpCheck, secret, SECRET_VALUE, testFleet } from './fixtures.js';
import { contractProblems, emfProblems, emfSamples, isEmf } from '../publish/emfValidator.js';

const DAY_MS = 86_400_000;
let plain: StartedHttpServer;
let expiring: StartedHttpServer;
let fresh: StartedHttpServer;
let aws: FakeAws;
let caPem: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  const ca = await createCa();
  caPem = ca.certPem;
  const ok = (_req: unknown, res: { writeHead: (s: number) => void; end: (b: string) => void }): void => {
    res.writeHead(200);
    res.end('ok');
  };
  expiring = await startHttpsServer(ok, await issueCert(ca, { hosts: ['127.0.0.1'], notAfter: new Date(Date.now() + 6.5 * DAY_MS) }));
  fresh = await startHttpsServer(ok, await issueCert(ca, { hosts: ['127.0.0.1'], notAfter: new Date(Date.now() + 40.5 * DAY_MS) }));
  plain = await startHttpServer((req, res) => {
    const authorized = req.headers.authorization === `Bearer ${SECRET_VALUE}`;
    res.writeHead(req.url === '/me' && !authorized ? 401 : 200);
    res.end('ok');
  });
  aws = await startFakeAws({
    secrets: { 'api-token': SECRET_VALUE },
    respond: (req) =>
      req.operation === 'GetSecretValue' && (req.body as { SecretId?: string }).SecretId === 'denied-token'
        ? { error: { status: 400, code: 'AccessDeniedException', message: 'not authorized to perform secretsmanager:GetSecretValue', type: 'Sender' } }
        : undefined,
  });
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'x';
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([plain.close(), expiring.close(), fresh.close(), aws.close()]);
});

/** A clock `offset` ms ahead of the real one, where `offset` puts the present at `minuteOfDay` (UTC) of a coming day. */
function clockAt(minuteOfDay: number, secondsIntoMinute = 0): { now: () => number; minute: string } {
  const real = Date.now();
  const target = Math.floor(real / DAY_MS) * DAY_MS + DAY_MS + minuteOfDay * 60_000;
  const offset = target - Math.floor(real / 1000) * 1000 + secondsIntoMinute * 1000;
  return { now: () => Date.now() + offset, minute: new Date(target).toISOString().replace('.000Z', 'Z') };
}

const rule = (shard: string, time?: string): Record<string, unknown> => ({ shard, ...(time === undefined ? {} : { time }) });

interface Run {
  datums: MetricDatumRecord[];
  lines: Record<string, unknown>[];
  raw: string[];
}

async function run(fleet: Fleet, now: () => number, event: Record<string, unknown>, endpoint = aws.endpoint, remainingMs = 30_000): Promise<Run & { summary: Awaited<ReturnType<ReturnType<typeof createProbeHandler>>> }> {
  const shards = planShards(fleet);
  const raw: string[] = [];
  const handler = createProbeHandler({
    fleet: freezeFleet(fleet, 'eu-west-1', shards),
    log: (line) => raw.push(line),
    now,
    env: { AWS_REGION: 'eu-west-1', PROBE_CLOUDWATCH_ENDPOINT: endpoint, PROBE_SECRETS_ENDPOINT: aws.endpoint },
    publishRetry: { baseDelayMs: 1, maxDelayMs: 5, minAttemptMs: 50 },
    // The shard's start offset is not what these tests judge (test/fleetScale covers it).
    sleep: async () => {},
  });
  const before = aws.datums().length;
  const summary = await handler({ ...event, shard: shards[0]!.id }, context(remainingMs));
  return { summary, datums: aws.datums().slice(before), lines: raw.filter((l) => !isEmf(l)).map((l) => JSON.parse(l) as Record<string, unknown>), raw };
}

const tlsFleet = (checks: Check[]): Fleet =>
  testFleet(plain.url, checks, {
    environments: { prod: { baseUrl: plain.url, caCertificates: [{ pem: caPem }] } },
  });
const endpointOf = (server: StartedHttpServer): string => `127.0.0.1:${server.port}`;
const certDatums = (datums: MetricDatumRecord[]) =>
  datums.filter((d) => d.MetricName === 'CertificateDaysRemaining').map((d) => ({ dims: d.Dimensions, unit: d.Unit, values: d.Values, counts: d.Counts }));

describe('datums carry the scheduled time', () => {
  const fleet = (): Fleet => testFleet(plain.url, [httpCheck('health', '/health')]);

  it('a run that starts 58 s into its minute: every datum carries the scheduled minute', async () => {
    const clock = clockAt(3 * 60 + 5, 58);
    const { datums, lines } = await run(fleet(), clock.now, rule('x', clock.minute));
    expect(datums.length).toBeGreaterThan(0);
    expect(new Set(datums.map((d) => d.Timestamp))).toEqual(new Set([Date.parse(clock.minute) / 1000]));
    expect(lines.find((l) => l.event === 'invocation')).toMatchObject({ scheduledTime: clock.minute, timestamp: new Date(Date.parse(clock.minute)).toISOString(), timestampSource: 'event' });
    expect(lines.filter((l) => l.event === 'scheduled_time_fallback')).toEqual([]);
  });

  it('a run whose start slips past the next minute boundary still lands in its scheduled period', async () => {
    const clock = clockAt(3 * 60 + 6, 1);
    const scheduled = new Date(Date.parse(clock.minute) - 60_000).toISOString().replace('.000Z', 'Z');
    const { datums } = await run(fleet(), clock.now, rule('x', scheduled));
    expect(new Set(datums.map((d) => d.Timestamp))).toEqual(new Set([Date.parse(scheduled) / 1000]));
  });

  it('no time in the rule input: the handler minute, and a warning line', async () => {
    const clock = clockAt(3 * 60 + 7, 42);
    const { datums, lines, summary } = await run(fleet(), clock.now, rule('x'));
    expect(summary.ok).toBe(true);
    expect(new Set(datums.map((d) => d.Timestamp))).toEqual(new Set([Date.parse(clock.minute) / 1000]));
    const warning = lines.find((l) => l.event === 'scheduled_time_fallback');
    expect(warning).toMatchObject({ level: 'warn' });
    expect(warning!.message).toMatch(/received none; datums carry the handler's minute/);
    expect(lines.find((l) => l.event === 'invocation')).toMatchObject({ timestampSource: 'clock' });
  });
});

describe('certificates: one series per endpoint', () => {
  const checks = (): Check[] => [
    httpCheck('home', `${expiring.url}/`),
    httpCheck('cart', `${expiring.url}/cart`),
    httpCheck('search', `${fresh.url}/search`),
    httpCheck('plain', '/plain'),
  ];

  it('the first run of the UTC day publishes every endpoint once, with no Region and no per-check certificate metric', async () => {
    const clock = clockAt(2, 10);
    const { datums, summary } = await run(tlsFleet(checks()), clock.now, rule('x', clock.minute));
    expect(summary).toMatchObject({ passed: 4, failed: 0 });
    expect(certDatums(datums)).toEqual([
      { dims: [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Endpoint', Value: endpointOf(expiring) }], unit: 'None', values: [6], counts: [1] },
      { dims: [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Endpoint', Value: endpointOf(fresh) }], unit: 'None', values: [40], counts: [1] },
    ]);
    expect(datums.filter((d) => d.MetricName === 'CertDaysRemaining')).toEqual([]);
  });

  it('later runs publish only the endpoint at or below the warning threshold (21 days by default)', async () => {
    const clock = clockAt(7 * 60, 3);
    const { datums } = await run(tlsFleet(checks()), clock.now, rule('x', clock.minute));
    expect(certDatums(datums)).toEqual([{ dims: [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Endpoint', Value: endpointOf(expiring) }], unit: 'None', values: [6], counts: [1] }]);
  });

  it("the fleet's certificate threshold travels in the bundle: at 5 days, the 6-day certificate waits for the daily run", async () => {
    const fleet = { ...tlsFleet(checks()), alerting: { policy: { certificateDays: { chat: 5, pager: 2 } } } };
    const clock = clockAt(7 * 60, 3);
    const { datums } = await run(fleet, clock.now, rule('x', clock.minute));
    expect(certDatums(datums)).toEqual([]);
  });
});

describe('a failed secret lookup says nothing about the service', () => {
  it('no Success, Duration or Degraded for the check, a SecretLookupFailures count, a log line that says why', async () => {
    const fleet = testFleet(plain.url, [httpCheck('health', '/health'), httpCheck('me', '/me', { auth: { bearer: secret('denied-token') } }), httpCheck('me-ok', '/me', { auth: { bearer: secret('api-token') } })]);
    const clock = clockAt(9 * 60, 5);
    const { datums, lines, summary } = await run(fleet, clock.now, rule('x', clock.minute));
    expect(summary).toMatchObject({ checks: 3, passed: 2, failed: 0, skipped: 0, cut: 0, secretFailures: 1, ok: false });
    const checkOf = (d: MetricDatumRecord): string | undefined => d.Dimensions?.find((x) => x.Name === 'Check')?.Value;
    expect(datums.filter((d) => checkOf(d) === 'me')).toEqual([]);
    expect(datums.filter((d) => d.MetricName === 'Success').map(checkOf)).toEqual(['health', 'me-ok']);
    const fleetDims = [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Region', Value: 'eu-west-1' }];
    expect(datums.filter((d) => d.Dimensions?.length === 2 && d.Dimensions[1]!.Name === 'Region').map((d) => [d.MetricName, d.Values])).toEqual([
      ['ChecksRun', [2]],
      ['ChecksSkipped', [0]],
      ['SecretLookupFailures', [1]],
    ]);
    expect(datums.find((d) => d.MetricName === 'SecretLookupFailures')).toMatchObject({ Dimensions: fleetDims, Unit: 'Count' });
    const line = lines.find((l) => l.event === 'check_secret_unavailable');
    expect(line).toMatchObject({ level: 'warn', checkId: 'me', failure: { kind: 'secret_unavailable', retryable: false } });
    expect((line!.failure as { message: string }).message).toMatch(/secret 'denied-token': .*AccessDeniedException/);
    expect(line!.why).toMatch(/SecretLookupFailures/);
    expect(lines.filter((l) => l.event === 'check_result').map((l) => l.checkId)).toEqual(['health', 'me-ok']);
  });

  it('no lookup failed: no SecretLookupFailures datum at all', async () => {
    const clock = clockAt(9 * 60 + 1, 5);
    const { datums } = await run(testFleet(plain.url, [httpCheck('health', '/health')]), clock.now, rule('x', clock.minute));
    expect(datums.map((d) => d.MetricName)).not.toContain('SecretLookupFailures');
  });
});

describe('the EMF fallback has the contract shape', () => {
  it('CloudWatch unreachable: certificates by Endpoint, SecretLookupFailures and the per-check metrics, each valid EMF with the scheduled time', async () => {
    const down = await startFakeAws({ respond: (req) => (req.operation === 'PutMetricData' ? { error: { status: 503, code: 'ServiceUnavailable' } } : undefined) });
    try {
      const fleet = tlsFleet([httpCheck('home', `${expiring.url}/`), httpCheck('me', '/me', { auth: { bearer: secret('denied-token') } })]);
      const clock = clockAt(1, 30);
      // 3 s left: publishing retries the 503s until its deadline, then falls back to EMF.
      const { raw, summary } = await run(fleet, clock.now, rule('x', clock.minute), down.endpoint, 3_000);
      expect(summary.publish).toMatchObject({ ok: false });
      const emf = raw.filter(isEmf);
      expect(emf.length).toBeGreaterThan(0);
      for (const line of emf) {
        expect(emfProblems(line)).toEqual([]);
        expect(contractProblems(line)).toEqual([]);
        expect((JSON.parse(line) as { _aws: { Timestamp: number } })._aws.Timestamp).toBe(Date.parse(clock.minute));
      }
      const samples = emf.flatMap(emfSamples);
      expect(samples).toContain(`CertificateDaysRemaining[Fleet=shop,Endpoint=${endpointOf(expiring)}]None=6`);
      expect(samples).toContain('SecretLookupFailures[Fleet=shop,Region=eu-west-1]Count=1');
      expect(samples).toContain('PublishFailures[Fleet=shop,Region=eu-west-1]Count=1');
      expect(samples.filter((s) => s.includes('Check=me]'))).toEqual([]);
    } finally {
      await down.close();
    }
  });
});
