import { describe, it, expect, afterEach } from 'vitest';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { publishMetrics } from '../../lib/publish/cloudwatch/publishMetrics.js';
import { aggregate } from '../../lib/publish/cloudwatch/metricDatums.js';
import type { MetricDatum } from '../../lib/publish/cloudwatch/metricDatums.js';
import { startFakeAws, throttling, serverError, FAKE_CREDENTIALS } from '../support/fakeAws.js';
import type { FakeAws, FakeAnswer } from '../support/fakeAws.js';
import { emfProblems, emfSamples, isEmf } from './emfValidator.js';

const T = new Date('2026-11-22T00:05:00.000Z');
let aws: FakeAws | undefined;
let client: CloudWatchClient | undefined;
afterEach(async () => {
  client?.destroy();
  await aws?.close();
  aws = undefined;
  client = undefined;
});

async function setup(respond?: (n: number) => FakeAnswer | undefined): Promise<{ aws: FakeAws; client: CloudWatchClient }> {
  let n = 0;
  aws = await startFakeAws({ respond: (req) => (req.operation === 'PutMetricData' ? respond?.(n++) : undefined) });
  client = new CloudWatchClient({ region: 'us-east-1', endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
  return { aws, client };
}

/** `count` datums, each its own check, so none aggregate together. */
function datums(count: number, valuesPerDatum = 1): MetricDatum[] {
  const samples = [];
  for (let i = 0; i < count; i++) {
    for (let v = 0; v < valuesPerDatum; v++) {
      samples.push({
        name: 'Duration' as const,
        dimensions: [
          { Name: 'Fleet', Value: 'shop' },
          { Name: 'Check', Value: `check-${i}` },
          { Name: 'Region', Value: 'eu-west-1' },
        ],
        value: 100 + v + Math.PI / 1000,
      });
    }
  }
  return aggregate(samples, T);
}

const key = (d: { MetricName: string; Dimensions?: { Name: string; Value: string }[]; Values?: number[] }) =>
  `${d.MetricName}|${JSON.stringify(d.Dimensions)}|${JSON.stringify(d.Values)}`;

function wireSizes(fake: FakeAws): { datums: number; bytes: number }[] {
  return fake.requests
    .filter((r) => r.operation === 'PutMetricData')
    .map((r) => ({ datums: (r.body as { MetricData: unknown[] }).MetricData.length, bytes: Buffer.byteLength(JSON.stringify(r.body)) }));
}

const quick = { baseDelayMs: 5, maxDelayMs: 20, minAttemptMs: 50 };

describe('publishMetrics on the wire', () => {
  it('sends datums with exact dimensions, units, Values/Counts and a timestamp in seconds', async () => {
    const { aws, client } = await setup();
    const input = aggregate(
      [
        { name: 'Success', dimensions: [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Check', Value: 'health' }, { Name: 'Region', Value: 'eu-west-1' }], value: 1 },
        { name: 'ChecksRun', dimensions: [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Region', Value: 'eu-west-1' }], value: 1 },
      ],
      T,
    );
    const lines: string[] = [];
    const outcome = await publishMetrics({ client, namespace: 'ProbeFleet', fleet: 'shop', region: 'eu-west-1', datums: input, deadline: Date.now() + 10_000, write: (l) => lines.push(l) });
    expect(outcome).toMatchObject({ ok: true, calls: 1, attempts: 1, published: 2, fallbackDatums: 0, emfLines: 0, error: null });
    expect(lines).toEqual([]);
    expect(aws.requests.map((r) => [r.region, r.operation])).toEqual([['us-east-1', 'PutMetricData']]);
    expect(aws.requests[0]!.body).toEqual({
      Namespace: 'ProbeFleet',
      MetricData: [
        { MetricName: 'Success', Dimensions: [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Check', Value: 'health' }, { Name: 'Region', Value: 'eu-west-1' }], Unit: 'Count', Values: [1], Counts: [1], Timestamp: T.getTime() / 1000 },
        { MetricName: 'ChecksRun', Dimensions: [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Region', Value: 'eu-west-1' }], Unit: 'Count', Values: [1], Counts: [1], Timestamp: T.getTime() / 1000 },
      ],
    });
  });

  it('packs 2500 datums into 3 calls of at most 1000', async () => {
    const { aws, client } = await setup();
    const input = datums(2500);
    const outcome = await publishMetrics({ client, namespace: 'ProbeFleet', fleet: 'shop', region: 'eu-west-1', datums: input, deadline: Date.now() + 30_000, write: () => undefined });
    expect(outcome.calls).toBe(3);
    expect(wireSizes(aws).map((s) => s.datums)).toEqual([1000, 1000, 500]);
    expect(aws.requests.every((r) => r.gzip)).toBe(true);
    expect(aws.datums().map(key).sort()).toEqual(input.map(key).sort());
  });

  it('keeps every call under 1 MB when datums are large', async () => {
    const { aws, client } = await setup();
    // 150 distinct values per datum make each datum ~4 KB: the byte limit binds before the count.
    const input = datums(600, 150);
    const outcome = await publishMetrics({ client, namespace: 'ProbeFleet', fleet: 'shop', region: 'eu-west-1', datums: input, deadline: Date.now() + 30_000, write: () => undefined });
    const sizes = wireSizes(aws);
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    expect(outcome.calls).toBe(sizes.length);
    for (const size of sizes) {
      expect(size.bytes).toBeLessThanOrEqual(1_000_000);
      expect(size.datums).toBeLessThan(1000);
    }
    // As few calls as the limit allows: total bytes need at least this many.
    const total = sizes.reduce((sum, s) => sum + s.bytes, 0);
    expect(sizes.length).toBe(Math.ceil(total / 1_000_000));
    expect(aws.datums().map(key).sort()).toEqual(input.map(key).sort());
  });

  it('throttling, then 500s, then success: every datum arrives exactly once', async () => {
    // Per call: the first batch is throttled twice and gets a 500 once before succeeding;
    // then the second batch meets a 503 and a dropped connection.
    const script: (FakeAnswer | undefined)[] = [throttling(), throttling(), serverError(500), undefined, serverError(503), { destroy: true }, undefined];
    const { aws, client } = await setup((n) => script[n]);
    const input = datums(1500);
    const outcome = await publishMetrics({ client, namespace: 'ProbeFleet', fleet: 'shop', region: 'eu-west-1', datums: input, deadline: Date.now() + 30_000, write: () => undefined, retry: quick });
    expect(outcome).toMatchObject({ ok: true, calls: 2, attempts: 7, published: 1500, fallbackDatums: 0 });
    expect(aws.requests).toHaveLength(7);
    const arrived = aws.datums().map(key);
    expect(arrived).toHaveLength(1500);
    expect(new Set(arrived).size).toBe(1500);
    expect(arrived.sort()).toEqual(input.map(key).sort());
  });

  it('does not retry an answer that will fail the same way (400 validation)', async () => {
    const { aws, client } = await setup(() => ({ error: { status: 400, code: 'InvalidParameterValueException', queryCode: 'InvalidParameterValue', message: 'bad' } }));
    const lines: string[] = [];
    const outcome = await publishMetrics({ client, namespace: 'ProbeFleet', fleet: 'shop', region: 'eu-west-1', datums: datums(3), deadline: Date.now() + 10_000, write: (l) => lines.push(l), retry: quick });
    expect(aws.requests).toHaveLength(1);
    expect(outcome.error).toMatchObject({ kind: 'rejected', retryable: false, code: 'InvalidParameterValueException', status: 400 });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'error', event: 'metrics_publish_failed', kind: 'rejected', unpublishedDatums: 3 });
  });

  it('permanent failure: every datum is written as valid EMF, with an error line and PublishFailures', async () => {
    const { aws, client } = await setup(() => serverError(500));
    // 250 metrics on one dimension set (more than 100 per directive) and values beyond 100 per metric.
    const dims = [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Check', Value: 'health' }, { Name: 'Region', Value: 'eu-west-1' }];
    const input = aggregate(
      [
        ...Array.from({ length: 250 }, (_, i) => ({ name: 'Success' as const, dimensions: [...dims.slice(0, 2), { Name: 'Region', Value: `r-${i}` }], value: 1 })),
        ...Array.from({ length: 130 }, (_, i) => ({ name: 'Duration' as const, dimensions: dims, value: i })),
        { name: 'Duration' as const, dimensions: dims, value: 5 },
        { name: 'ChecksRun' as const, dimensions: [dims[0]!, dims[2]!], value: 131 },
      ],
      T,
    );
    // Put 250 distinct metric names on one dimension set too.
    const wide: MetricDatum[] = Array.from({ length: 250 }, (_, i) => ({ MetricName: `M${i}`, Dimensions: dims, Unit: 'Count', Values: [i], Counts: [2], Timestamp: T }));
    const all = [...input, ...wide];
    const lines: string[] = [];
    const started = Date.now();
    // Retries go on until the deadline ends them; the error still names the cause (the 500s).
    const outcome = await publishMetrics({ client, namespace: 'ProbeFleet', fleet: 'shop', region: 'eu-west-1', datums: all, deadline: started + 600, write: (l) => lines.push(l), retry: quick });
    expect(aws.requests.length).toBeGreaterThan(1);
    expect(outcome).toMatchObject({ ok: false, calls: 0, fallbackDatums: all.length });
    expect(outcome.error?.kind).toBe('server_error');

    const errorLines = lines.filter((l) => !isEmf(l));
    expect(errorLines).toHaveLength(1);
    expect(JSON.parse(errorLines[0]!)).toMatchObject({ level: 'error', event: 'metrics_publish_failed', kind: 'server_error', status: 500, unpublishedDatums: all.length, fallback: 'emf' });

    const emf = lines.filter(isEmf);
    expect(emf.length).toBe(outcome.emfLines);
    for (const line of emf) expect(emfProblems(line)).toEqual([]);
    for (const line of emf) {
      const doc = JSON.parse(line);
      expect(doc._aws.Timestamp).toBe(T.getTime());
      expect(doc._aws.CloudWatchMetrics[0].Namespace).toBe('ProbeFleet');
    }
    // Every sample of every datum, exactly as many times as it was counted.
    const expected = all.flatMap((datum) =>
      datum.Values.flatMap((value, i) => Array.from({ length: datum.Counts[i]! }, () => `${datum.MetricName}[${datum.Dimensions.map((x) => `${x.Name}=${x.Value}`).join(',')}]${datum.Unit}=${value}`)),
    );
    expected.push('PublishFailures[Fleet=shop,Region=eu-west-1]Count=1');
    expect(emf.flatMap(emfSamples).sort()).toEqual(expected.sort());
  });

  it('a datum no call could carry goes to EMF without a call', async () => {
    const { aws, client } = await setup();
    const lines: string[] = [];
    const outcome = await publishMetrics({ client, namespace: 'ProbeFleet', fleet: 'shop', region: 'eu-west-1', datums: datums(2), deadline: Date.now() + 10_000, write: (l) => lines.push(l), limits: { maxDatums: 1000, maxBytes: 100 } });
    expect(aws.requests).toHaveLength(0);
    expect(outcome).toMatchObject({ ok: false, calls: 0, attempts: 0, fallbackDatums: 2 });
    expect(outcome.error).toMatchObject({ kind: 'rejected', retryable: false });
    expect(outcome.error!.message).toMatch(/metric Duration: expected a datum under \d+ bytes, received \d+/);
    expect(lines.filter(isEmf).flatMap(emfSamples)).toHaveLength(3);
  });
  // Throttling that never ends, hung connections and the deadline: publishResilience.test.ts.
});

