import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { createProbeHandler } from '../../lib/lambda/probeHandler.js';
import { freezeFleet } from '../../lib/lambda/frozenFleet.js';
import { planShards } from '../../lib/lambda/shards.js';
import { startFakeAws } from '../support/fakeAws.js';
import type { FakeAws } from '../support/fakeAws.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { context, httpCheck, scheduledEvent, secret, SECRET_VALUE, testFleet } from './fixtures.js';
import { emfProblems } from '../publish/emfValidator.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
}

let target: StartedHttpServer;
let aws: FakeAws;
const seen: Seen[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  target = await startHttpServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    } else if (req.url === '/me') {
      const ok = req.headers.authorization === `Bearer ${SECRET_VALUE}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? '{"user":"probe"}' : '{"error":"unauthorized"}');
    } else if (req.url?.startsWith('/echo')) {
      // A badly behaved service that reflects what it received.
      res.writeHead(502, { 'content-type': 'text/plain', 'x-echo': req.url });
      res.end(`you sent ${req.url}`);
    } else if (req.url === '/hang') {
      // Never answers: only the invocation's deadline can end a check that asks here.
      return;
    } else if (req.url?.startsWith('/slow')) {
      setTimeout(() => {
        res.writeHead(200);
        res.end('late');
      }, 300);
    } else {
      res.writeHead(500);
      res.end('broken');
    }
  });
  aws = await startFakeAws({ secrets: { 'api-token': SECRET_VALUE } });
  // The default clients take credentials from the environment, as they do in Lambda.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'x';
});

afterAll(async () => {
  process.env = savedEnv;
  await target.close();
  await aws.close();
});

function parse(lines: string[]): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('probe handler', () => {
  it('runs a shard from a scheduled event, logs every result, publishes to the home region, caches secrets', async () => {
    const fleet = testFleet(target.url, [
      httpCheck('health', '/health', { detailedTimings: true, assertions: [{ type: 'json', path: '$.status', equals: 'ok' }] }),
      httpCheck('me', '/me', { auth: { bearer: secret('api-token') } }),
      httpCheck('orders', '/orders'),
    ]);
    const shards = planShards(fleet);
    expect(shards.map((s) => s.id)).toEqual(['eu-west-1-5m-0']);
    const lines: string[] = [];
    const handler = createProbeHandler({
      fleet: freezeFleet(fleet, 'eu-west-1', shards),
      log: (line) => lines.push(line),
      env: { AWS_REGION: 'eu-west-1', PROBE_CLOUDWATCH_ENDPOINT: aws.endpoint, PROBE_SECRETS_ENDPOINT: aws.endpoint },
    });
    const before = aws.requests.length;

    const summary = await handler(scheduledEvent('eu-west-1-5m-0'), context(60_000));

    expect(summary).toMatchObject({ ok: false, shard: 'eu-west-1-5m-0', region: 'eu-west-1', runId: 'req-1', checks: 3, passed: 2, failed: 1, skipped: 0, error: null });
    expect(summary.publish).toMatchObject({ ok: true, calls: 1, attempts: 1, fallbackDatums: 0, emfLines: 0, error: null });

    // Logs: one line per result, one for the invocation, request lines for the audit trail.
    const logged = parse(lines);
    const results = logged.filter((l) => l.event === 'check_result');
    expect(results.map((r) => [r.checkId, r.environment, r.ok, r.location]).sort()).toEqual([
      ['health', 'prod', true, 'eu-west-1'],
      ['me', 'prod', true, 'eu-west-1'],
      ['orders', 'prod', false, 'eu-west-1'],
    ]);
    expect(results.every((r) => r.shard === 'eu-west-1-5m-0' && r.runId === 'req-1')).toBe(true);
    const invocation = logged.filter((l) => l.event === 'invocation');
    expect(invocation).toHaveLength(1);
    expect(invocation[0]).toMatchObject({ shard: 'eu-west-1-5m-0', region: 'eu-west-1', checks: 3, passed: 2, failed: 1, skipped: 0, source: 'scheduled-event', scheduledTime: '2026-11-22T00:05:00Z' });
    expect(typeof invocation[0]!.durationMs).toBe('number');
    expect(logged.filter((l) => l.event === 'request').length).toBeGreaterThanOrEqual(3);
    expect(lines.join('\n')).not.toContain(SECRET_VALUE);

    // The target saw synthetic traffic, with the secret in the header.
    const me = seen.find((s) => s.path === '/me');
    expect(me?.headers.authorization).toBe(`Bearer ${SECRET_VALUE}`);
    expect(me?.headers['x-synthetic-request']).toBe('true');

    // The wire: one GetSecretValue in the probe's region, one PutMetricData in the home region.
    const calls = aws.requests.slice(before);
    expect(calls.map((r) => [r.operation, r.region, r.service])).toEqual([
      ['GetSecretValue', 'eu-west-1', 'secretsmanager'],
      ['PutMetricData', 'us-east-1', 'monitoring'],
    ]);
    expect(calls[0]!.body).toEqual({ SecretId: 'api-token' });
    const put = calls[1]!.body as { Namespace: string; MetricData: { MetricName: string; Dimensions: { Name: string; Value: string }[]; Unit: string; Values: number[]; Counts: number[]; Timestamp: number }[] };
    expect(put.Namespace).toBe('ProbeFleet');
    const durationOf = (id: string) => results.find((r) => r.checkId === id)!.durationMs as number;
    const phasesOf = (id: string) => results.find((r) => r.checkId === id)!.phases as Record<string, number>;
    const dims = (check: string) => [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Check', Value: check }, { Name: 'Region', Value: 'eu-west-1' }];
    const fleetDims = [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Region', Value: 'eu-west-1' }];
    expect(put.MetricData.map(({ Timestamp: _t, ...rest }) => rest)).toEqual([
      { MetricName: 'Success', Dimensions: dims('health'), Unit: 'Count', Values: [1], Counts: [1] },
      { MetricName: 'Duration', Dimensions: dims('health'), Unit: 'Milliseconds', Values: [durationOf('health')], Counts: [1] },
      { MetricName: 'Degraded', Dimensions: dims('health'), Unit: 'Count', Values: [0], Counts: [1] },
      { MetricName: 'DnsMs', Dimensions: dims('health'), Unit: 'Milliseconds', Values: [phasesOf('health').dnsMs], Counts: [1] },
      { MetricName: 'ConnectMs', Dimensions: dims('health'), Unit: 'Milliseconds', Values: [phasesOf('health').connectMs], Counts: [1] },
      { MetricName: 'TlsMs', Dimensions: dims('health'), Unit: 'Milliseconds', Values: [phasesOf('health').tlsMs], Counts: [1] },
      { MetricName: 'TtfbMs', Dimensions: dims('health'), Unit: 'Milliseconds', Values: [phasesOf('health').ttfbMs], Counts: [1] },
      { MetricName: 'TransferMs', Dimensions: dims('health'), Unit: 'Milliseconds', Values: [phasesOf('health').transferMs], Counts: [1] },
      { MetricName: 'Success', Dimensions: dims('me'), Unit: 'Count', Values: [1], Counts: [1] },
      { MetricName: 'Duration', Dimensions: dims('me'), Unit: 'Milliseconds', Values: [durationOf('me')], Counts: [1] },
      { MetricName: 'Degraded', Dimensions: dims('me'), Unit: 'Count', Values: [0], Counts: [1] },
      { MetricName: 'Success', Dimensions: dims('orders'), Unit: 'Count', Values: [0], Counts: [1] },
      { MetricName: 'Duration', Dimensions: dims('orders'), Unit: 'Milliseconds', Values: [durationOf('orders')], Counts: [1] },
      { MetricName: 'Degraded', Dimensions: dims('orders'), Unit: 'Count', Values: [0], Counts: [1] },
      { MetricName: 'ChecksRun', Dimensions: fleetDims, Unit: 'Count', Values: [3], Counts: [1] },
      { MetricName: 'ChecksSkipped', Dimensions: fleetDims, Unit: 'Count', Values: [0], Counts: [1] },
    ]);
    // One timestamp for the invocation, in whole seconds.
    expect(new Set(put.MetricData.map((d) => d.Timestamp)).size).toBe(1);
    expect(Number.isInteger(put.MetricData[0]!.Timestamp)).toBe(true);

    // A second invocation of the same container (custom input shape) reuses the cached secret.
    const second = await handler({ shard: 'eu-west-1-5m-0' }, context(60_000, 'req-2'));
    expect(second).toMatchObject({ checks: 3, passed: 2, runId: 'req-2' });
    expect(aws.requests.slice(before).filter((r) => r.operation === 'GetSecretValue')).toHaveLength(1);
    expect(aws.requests.slice(before).filter((r) => r.operation === 'PutMetricData')).toHaveLength(2);
    expect(lines.join('\n')).not.toContain(SECRET_VALUE);
  });

  it('a shard larger than the deadline allows: skipped and cut checks are logged and counted, publish no Success, and the invocation returns in time', async () => {
    // The first check hangs, so one check is always running when the deadline comes: cut, not failed.
    const checks = [httpCheck('hang-0', '/hang'), ...Array.from({ length: 29 }, (_, i) => httpCheck(`slow-${i + 1}`, `/slow/${i + 1}`))];
    const fleet = testFleet(target.url, checks, {
      defaults: { schedule: '1m', concurrency: 2, rateLimit: { requestsPerSecond: 1000, burst: 1000 }, timeoutMs: 5000 },
    });
    const shards = planShards(fleet, { maxChecksPerShard: 50 });
    const lines: string[] = [];
    const handler = createProbeHandler({
      fleet: freezeFleet(fleet, 'eu-west-1', shards),
      log: (line) => lines.push(line),
      env: { AWS_REGION: 'eu-west-1', PROBE_CLOUDWATCH_ENDPOINT: aws.endpoint },
      marginMs: 1_000,
    });
    const before = aws.requests.length;
    const started = Date.now();
    // 2 s left: checks may start for 1 s (2 at a time: the hanging one, and 300 ms ones one
    // after the other), then publishing has 1 s.
    const summary = await handler(scheduledEvent(shards[0]!.id), context(2_000));
    expect(Date.now() - started).toBeLessThan(2_000);

    expect(summary.checks).toBe(30);
    expect(summary.skipped).toBeGreaterThan(0);
    expect(summary.cut).toBeGreaterThanOrEqual(1);
    expect(summary.passed + summary.failed + summary.skipped + summary.cut).toBe(30);
    expect(summary.ok).toBe(false);
    const logged = parse(lines);
    const skippedLines = logged.filter((l) => l.event === 'check_skipped');
    expect(skippedLines).toHaveLength(summary.skipped);
    expect(skippedLines.every((l) => l.skipped === true)).toBe(true);
    const cutLines = logged.filter((l) => l.event === 'check_cut');
    expect(cutLines).toHaveLength(summary.cut);
    expect(cutLines.map((l) => l.checkId)).toContain('hang-0');
    for (const line of cutLines) {
      expect(line).toMatchObject({ level: 'warn', failure: { kind: 'deadline' } });
      expect(line.why).toMatch(/ran out of time.*ChecksSkipped/);
    }
    expect(logged.filter((l) => l.event === 'check_result')).toHaveLength(30 - summary.skipped - summary.cut);

    type Datum = { MetricName: string; Dimensions: { Name: string; Value: string }[]; Values: number[] };
    const put = aws.requests.slice(before).find((r) => r.operation === 'PutMetricData')!.body as { MetricData: Datum[] };
    expect(put.MetricData.find((d) => d.MetricName === 'ChecksSkipped')?.Values).toEqual([summary.skipped + summary.cut]);
    expect(put.MetricData.find((d) => d.MetricName === 'ChecksRun')?.Values).toEqual([30 - summary.skipped - summary.cut]);
    // Skipped and cut checks publish no Success=0 (nor Duration, Degraded): the probe ran out of time, not the service.
    const checkOf = (d: Datum): string | undefined => d.Dimensions.find((x) => x.Name === 'Check')?.Value;
    const perCheck = put.MetricData.filter((d) => checkOf(d) !== undefined);
    const cutIds = new Set(cutLines.map((l) => l.checkId as string));
    expect(perCheck.filter((d) => cutIds.has(checkOf(d)!))).toEqual([]);
    expect(put.MetricData.filter((d) => d.MetricName === 'Success')).toHaveLength(summary.passed + summary.failed);
  });

  it('a hung Secrets Manager: the check waiting for its secret is cut at the run deadline, and metrics are still published in time', async () => {
    const hung = await startFakeAws({ respond: (req) => (req.operation === 'GetSecretValue' ? { hang: true } : undefined) });
    try {
      const fleet = testFleet(target.url, [httpCheck('health', '/health'), httpCheck('me', '/me', { auth: { bearer: secret('api-token') } })]);
      const shards = planShards(fleet);
      const lines: string[] = [];
      const handler = createProbeHandler({
        fleet: freezeFleet(fleet, 'eu-west-1', shards),
        log: (line) => lines.push(line),
        env: { AWS_REGION: 'eu-west-1', PROBE_CLOUDWATCH_ENDPOINT: hung.endpoint, PROBE_SECRETS_ENDPOINT: hung.endpoint },
        marginMs: 1_000,
      });
      const started = Date.now();
      // Run deadline 1 s in, well before the lookup's own 3 s request timeout.
      const summary = await handler({ shard: shards[0]!.id }, context(2_000));
      expect(Date.now() - started).toBeLessThan(2_000);

      expect(summary).toMatchObject({ checks: 2, passed: 1, failed: 0, skipped: 0, cut: 1, publish: { ok: true } });
      expect(hung.requests.filter((r) => r.operation === 'GetSecretValue')).toHaveLength(1);
      const cutLine = parse(lines).find((l) => l.event === 'check_cut');
      expect(cutLine).toMatchObject({ checkId: 'me', failure: { kind: 'deadline', retryable: false } });
      expect((cutLine!.failure as { message: string }).message).toMatch(/secret 'api-token': the run's deadline passed while waiting for Secrets Manager/);
      // Nothing reached the service without its credential.
      expect(seen.some((s) => s.path === '/me' && s.headers.authorization === undefined)).toBe(false);
      const datums = hung.datums();
      expect(datums.filter((d) => d.Dimensions?.some((x) => x.Value === 'me'))).toEqual([]);
      expect(datums.find((d) => d.MetricName === 'ChecksSkipped')?.Values).toEqual([1]);
    } finally {
      await hung.close();
    }
  });

  it('publication that keeps failing ends in EMF on the log, and the invocation still returns', async () => {
    const failing = await startFakeAws({ respond: (req) => (req.operation === 'PutMetricData' ? { error: { status: 500, code: 'InternalServiceFault', queryCode: 'InternalServiceError' } } : undefined) });
    try {
      const fleet = testFleet(target.url, [httpCheck('health', '/health')]);
      const shards = planShards(fleet);
      const lines: string[] = [];
      const handler = createProbeHandler({
        fleet: freezeFleet(fleet, 'eu-west-1', shards),
        log: (line) => lines.push(line),
        env: { AWS_REGION: 'eu-west-1', PROBE_CLOUDWATCH_ENDPOINT: failing.endpoint },
        marginMs: 800,
        publishRetry: { baseDelayMs: 10, maxDelayMs: 50, minAttemptMs: 50 },
      });
      const summary = await handler({ shard: shards[0]!.id }, context(1_500));
      expect(summary.publish).toMatchObject({ ok: false, calls: 0 });
      expect(summary.publish!.attempts).toBeGreaterThan(1);
      // Every attempt on the wire is one of ours: the SDK's own retries are off.
      expect(failing.requests.filter((r) => r.operation === 'PutMetricData')).toHaveLength(summary.publish!.attempts);
      expect(failing.requests.every((r) => r.headers['amz-sdk-request'] === 'attempt=1; max=1')).toBe(true);
      const logged = parse(lines);
      expect(logged.find((l) => l.event === 'metrics_publish_failed')).toMatchObject({ kind: 'server_error', unpublishedDatums: 5 });
      const emf = logged.filter((l) => l._aws !== undefined);
      const names = emf.flatMap((doc) => (doc._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0]!.Metrics.map((m) => m.Name)).sort();
      expect(names).toEqual(['ChecksRun', 'ChecksSkipped', 'Degraded', 'Duration', 'PublishFailures', 'Success']);
      expect(logged.at(-1)).toMatchObject({ event: 'invocation', publish: { ok: false } });
    } finally {
      await failing.close();
    }
  });

  it('never prints a secret, even when it travels in the URL and the service reflects it', async () => {
    const fleet = testFleet(target.url, [httpCheck('echo', '/echo?t={{token}}', { assertions: [{ type: 'body', contains: 'all good' }] })], {
      environments: { prod: { baseUrl: target.url, variables: { token: secret('api-token') } } },
    });
    const lines: string[] = [];
    const handler = createProbeHandler({
      fleet: freezeFleet(fleet, 'eu-west-1', planShards(fleet)),
      log: (line) => lines.push(line),
      env: { AWS_REGION: 'eu-west-1', PROBE_CLOUDWATCH_ENDPOINT: aws.endpoint, PROBE_SECRETS_ENDPOINT: aws.endpoint },
    });
    const summary = await handler({ shard: 'eu-west-1-5m-0' }, context(30_000));
    expect(summary).toMatchObject({ checks: 1, failed: 1 });
    // The secret really was sent...
    expect(seen.some((s) => s.path === `/echo?t=${SECRET_VALUE}`)).toBe(true);
    // ...and appears nowhere in the logs, while the lines that would carry it are there.
    const logged = parse(lines);
    expect(logged.find((l) => l.event === 'request')?.url).toContain('[REDACTED]');
    expect(logged.find((l) => l.event === 'check_result')).toMatchObject({ checkId: 'echo', ok: false });
    expect(lines.join('\n')).not.toContain(SECRET_VALUE);
    expect(lines.join('\n')).not.toContain(encodeURIComponent(SECRET_VALUE));
  });

  const badEvents: { name: string; event: unknown; kind: string }[] = [
    { name: 'null', event: null, kind: 'invalid_event' },
    { name: 'a string', event: 'eu-west-1-5m-0', kind: 'invalid_event' },
    { name: 'an empty object', event: {}, kind: 'invalid_event' },
    { name: 'a malformed shard id', event: { shard: 'EU WEST' }, kind: 'invalid_event' },
    { name: 'another EventBridge event', event: { ...scheduledEvent('eu-west-1-5m-0'), 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2' }, kind: 'invalid_event' },
    { name: 'a scheduled event without a shard', event: { ...scheduledEvent('x'), detail: {} }, kind: 'invalid_event' },
    { name: 'a shard this bundle does not have', event: { shard: 'us-west-2-5m-0' }, kind: 'unknown_shard' },
  ];
  /** The one EMF document an invocation that ran nothing writes: InvocationErrors = 1. */
  const invocationErrorEmf = (lines: string[], namespace: string, dimensions: Record<string, string>, errorKind: string): void => {
    const emf = lines.filter((line) => line.includes('"_aws"'));
    expect(emf).toHaveLength(1);
    expect(emfProblems(emf[0]!)).toEqual([]);
    const doc = JSON.parse(emf[0]!) as Record<string, unknown> & { _aws: { Timestamp: number } };
    expect(doc).toEqual({
      _aws: { Timestamp: doc._aws.Timestamp, CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [Object.keys(dimensions)], Metrics: [{ Name: 'InvocationErrors', Unit: 'Count' }] }] },
      ...dimensions,
      InvocationErrors: 1,
      errorKind,
    });
    expect(doc._aws.Timestamp % 1000).toBe(0);
  };

  for (const scenario of badEvents) {
    it(`rejects ${scenario.name} with an error line, an error summary and an InvocationErrors EMF count, publishing nothing`, async () => {
      const fleet = testFleet(target.url, [httpCheck('health', '/health')]);
      const lines: string[] = [];
      const handler = createProbeHandler({
        fleet: freezeFleet(fleet, 'eu-west-1', planShards(fleet)),
        log: (line) => lines.push(line),
        env: { AWS_REGION: 'eu-west-1', PROBE_CLOUDWATCH_ENDPOINT: aws.endpoint },
      });
      const before = aws.requests.length;
      const summary = await handler(scenario.event, context(10_000));
      expect(summary).toMatchObject({ ok: false, checks: 0, publish: null, error: { kind: scenario.kind } });
      expect(summary.error!.message).toMatch(/expected/);
      expect(parse(lines.filter((line) => !line.includes('"_aws"')))).toEqual([
        expect.objectContaining({ level: 'error', event: 'invocation', error: expect.objectContaining({ kind: scenario.kind }) }),
      ]);
      invocationErrorEmf(lines, 'ProbeFleet', { Fleet: 'shop', Region: 'eu-west-1' }, scenario.kind);
      expect(aws.requests.length).toBe(before);
    });
  }

  it('a bundle whose fleet file is missing: init error line and an InvocationErrors count by Region, in the default namespace, every invocation', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'probe-no-fleet-'));
    try {
      const lines: string[] = [];
      const handler = createProbeHandler({ fleetDir: empty, log: (line) => lines.push(line), env: { AWS_REGION: 'eu-west-1', PROBE_CLOUDWATCH_ENDPOINT: aws.endpoint } });
      const before = aws.requests.length;
      for (const id of ['req-1', 'req-2']) {
        lines.length = 0;
        const summary = await handler({ shard: 'eu-west-1-5m-0' }, context(10_000, id));
        expect(summary).toMatchObject({ ok: false, shard: 'eu-west-1-5m-0', region: 'eu-west-1', checks: 0, publish: null, error: { kind: 'frozen_fleet_invalid' } });
        expect(summary.error!.message).toMatch(/fleet\.json: expected it next to the handler/);
        // The fleet is unknown, so only Region; the namespace cannot be read either.
        invocationErrorEmf(lines, 'ProbeFleet', { Region: 'eu-west-1' }, 'frozen_fleet_invalid');
      }
      expect(aws.requests.length).toBe(before);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
