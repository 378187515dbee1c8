// Publishing survives one bad connection: a connection that hangs costs one attempt (its own
// timeout), throttling that never ends is retried up to the deadline and no further, and every
// datum ends either in CloudWatch or in the EMF fallback, exactly once. Time is a virtual clock
// the test moves: the publisher's `now`, its backoff `sleep`, and the end of a hung attempt
// (the test aborts it once the endpoint has seen the connection or the request), so the
// deadline is asserted on recorded times and counts, never on the wall clock.
import { describe, it, expect, afterEach } from 'vitest';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { publishMetrics, DEFAULT_RETRY } from '../../lib/publish/cloudwatch/publishMetrics.js';
import { aggregate } from '../../lib/publish/cloudwatch/metricDatums.js';
import type { MetricDatum } from '../../lib/publish/cloudwatch/metricDatums.js';
import { startFakeAws, throttling, FAKE_CREDENTIALS } from '../support/fakeAws.js';
import type { FakeAws, FakeAwsOptions } from '../support/fakeAws.js';
import { emfProblems, emfSamples, isEmf } from './emfValidator.js';

const T = new Date('2026-11-22T00:05:00.000Z');
const START = Date.parse('2026-11-22T00:05:40.000Z');

let aws: FakeAws | undefined;
let client: CloudWatchClient | undefined;
afterEach(async () => {
  client?.destroy();
  await aws?.close();
  aws = undefined;
  client = undefined;
});

async function setup(options: FakeAwsOptions): Promise<{ aws: FakeAws; client: CloudWatchClient }> {
  aws = await startFakeAws(options);
  client = new CloudWatchClient({ region: 'us-east-1', endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
  return { aws, client };
}

/** A clock only the test moves; attempts end when the test says the endpoint hung them. */
function virtualTime() {
  let t = START;
  const attempts: { start: number; budget: number }[] = [];
  let pending: { controller: AbortController; budget: number } | null = null;
  return {
    attempts,
    now: () => t,
    sleep: async (ms: number) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      t += ms;
      await Promise.resolve();
    },
    attemptSignal: (budget: number): AbortSignal => {
      attempts.push({ start: t, budget });
      const controller = new AbortController();
      pending = { controller, budget };
      return controller.signal;
    },
    /** The hung attempt's timer fires: its whole budget has passed. */
    expire(): void {
      const current = pending;
      if (!current) throw new Error('no attempt is waiting');
      pending = null;
      t += current.budget;
      current.controller.abort(new DOMException('attempt timed out', 'TimeoutError'));
    },
  };
}

function datums(count: number): MetricDatum[] {
  return aggregate(
    Array.from({ length: count }, (_, i) => ({
      name: 'Success' as const,
      dimensions: [
        { Name: 'Fleet', Value: 'shop' },
        { Name: 'Check', Value: `check-${i}` },
        { Name: 'Region', Value: 'eu-west-1' },
      ],
      value: i % 2,
    })),
    T,
  );
}

const sampleOf = (d: MetricDatum): string[] =>
  d.Values.flatMap((v, i) => Array.from({ length: d.Counts[i]! }, () => `${d.MetricName}[${d.Dimensions.map((x) => `${x.Name}=${x.Value}`).join(',')}]${d.Unit}=${v}`));
const recordSample = (d: { MetricName: string; Dimensions?: { Name: string; Value: string }[]; Unit?: string; Values?: number[]; Counts?: number[] }): string[] =>
  (d.Values ?? []).flatMap((v, i) => Array.from({ length: d.Counts?.[i] ?? 1 }, () => `${d.MetricName}[${(d.Dimensions ?? []).map((x) => `${x.Name}=${x.Value}`).join(',')}]${d.Unit ?? ''}=${v}`));

/** Every input sample ends in CloudWatch (accepted calls) or in EMF, and in exactly one of them. */
function expectEachDatumOnce(fake: FakeAws, lines: string[], input: MetricDatum[], publishFailure: boolean): void {
  const inCloudWatch = fake.datums().flatMap(recordSample);
  const inEmf = lines.filter(isEmf).flatMap(emfSamples);
  const expected = input.flatMap(sampleOf);
  if (publishFailure) expected.push('PublishFailures[Fleet=shop,Region=eu-west-1]Count=1');
  expect([...inCloudWatch, ...inEmf].sort()).toEqual(expected.sort());
  for (const line of lines.filter(isEmf)) expect(emfProblems(line)).toEqual([]);
}

describe('publishing survives one bad connection', () => {
  it('a first connection that is accepted and never read costs one attempt: the retry on a new connection delivers every datum', async () => {
    const clock = virtualTime();
    const { aws, client } = await setup({
      stallConnections: (i) => {
        // The timer fires only once the endpoint holds the connection.
        if (i === 0) setImmediate(() => clock.expire());
        return i === 0;
      },
    });
    const input = datums(40);
    const lines: string[] = [];
    const deadline = START + 20_000;
    const outcome = await publishMetrics({ client, namespace: 'ProbeFleet', fleet: 'shop', region: 'eu-west-1', datums: input, deadline, write: (l) => lines.push(l), now: clock.now, sleep: clock.sleep, attemptSignal: clock.attemptSignal, random: () => 0.5 });

    expect(outcome).toMatchObject({ ok: true, calls: 1, attempts: 2, published: 40, fallbackDatums: 0, emfLines: 0, error: null });
    expect(aws.connections()).toEqual({ accepted: 2, stalled: 1 });
    // The stalled connection delivered nothing; the one request that arrived carried every datum.
    expect(aws.requests.map((r) => r.operation)).toEqual(['PutMetricData']);
    expect(lines).toEqual([]);
    expectEachDatumOnce(aws, lines, input, false);
    // The hung attempt used its own timeout, not the publish window; the retry followed after one backoff.
    expect(clock.attempts).toEqual([
      { start: START, budget: DEFAULT_RETRY.attemptTimeoutMs },
      { start: START + DEFAULT_RETRY.attemptTimeoutMs + 50, budget: DEFAULT_RETRY.attemptTimeoutMs },
    ]);
  });

  it('a request that is read and never answered: recorded at the endpoint, not applied, and delivered by the retry', async () => {
    const clock = virtualTime();
    let puts = 0;
    const { aws, client } = await setup({
      respond: (req) => {
        if (req.operation !== 'PutMetricData' || puts++ > 0) return undefined;
        setImmediate(() => clock.expire());
        return { hang: true };
      },
    });
    const input = datums(25);
    const lines: string[] = [];
    const outcome = await publishMetrics({ client, namespace: 'ProbeFleet', fleet: 'shop', region: 'eu-west-1', datums: input, deadline: START + 10_000, write: (l) => lines.push(l), now: clock.now, sleep: clock.sleep, attemptSignal: clock.attemptSignal, random: () => 0 });

    expect(outcome).toMatchObject({ ok: true, calls: 1, attempts: 2, published: 25, fallbackDatums: 0 });
    // Both requests reached the endpoint with the same datums; only the second was answered (applied).
    expect(aws.requests).toHaveLength(2);
    expect(aws.requests[0]!.body).toEqual(aws.requests[1]!.body);
    expect(aws.connections().accepted).toBe(2);
    expectEachDatumOnce(aws, lines, input, false);
  });

  it('every connection hangs: attempts end at their timeout, the last one at the deadline, and everything goes to EMF once', async () => {
    const clock = virtualTime();
    const { aws, client } = await setup({
      stallConnections: () => {
        setImmediate(() => clock.expire());
        return true;
      },
    });
    const input = datums(10);
    const lines: string[] = [];
    const deadline = START + 10_000;
    const outcome = await publishMetrics({ client, namespace: 'ProbeFleet', fleet: 'shop', region: 'eu-west-1', datums: input, deadline, write: (l) => lines.push(l), now: clock.now, sleep: clock.sleep, attemptSignal: clock.attemptSignal, random: () => 0 });

    // 0 → 3000 (timeout) → 3000 → 6000 → 6000 → 9000 → 9000: only 1000 ms left, the last attempt is cut at the deadline.
    expect(clock.attempts).toEqual([
      { start: START, budget: 3000 },
      { start: START + 3000, budget: 3000 },
      { start: START + 6000, budget: 3000 },
      { start: START + 9000, budget: 1000 },
    ]);
    for (const a of clock.attempts) expect(a.start + a.budget).toBeLessThanOrEqual(deadline);
    expect(clock.now()).toBe(deadline);
    // One new connection per attempt: an aborted attempt's socket is not reused.
    expect(aws.connections()).toEqual({ accepted: 4, stalled: 4 });
    expect(aws.requests).toHaveLength(0);
    expect(outcome).toMatchObject({ ok: false, calls: 0, attempts: 4, published: 0, fallbackDatums: 10 });
    // The error names the cause (no answer within the attempt's timeout), then why it stopped.
    expect(outcome.error).toMatchObject({ kind: 'timeout', retryable: false });
    expect(outcome.error!.message).toMatch(/expected an answer within 3000 ms \(the per-attempt timeout\).*gave up: PutMetricData: expected an answer before the deadline/);
    expect(JSON.parse(lines.find((l) => !isEmf(l))!)).toMatchObject({ event: 'metrics_publish_failed', kind: 'timeout', unpublishedDatums: 10, fallback: 'emf' });
    expectEachDatumOnce(aws, lines, input, true);
  });

  it('throttling that never ends: retried with backoff until the last start 250 ms before the deadline, then EMF', async () => {
    const clock = virtualTime();
    const { aws, client } = await setup({ respond: (req) => (req.operation === 'PutMetricData' ? throttling() : undefined) });
    const input = datums(5);
    const lines: string[] = [];
    const deadline = START + 20_000;
    // The largest possible waits: 99, 199, 399, 799, 1598, 3196, then 4995 each (5 s ceiling), the last cut short.
    const outcome = await publishMetrics({ client, namespace: 'ProbeFleet', fleet: 'shop', region: 'eu-west-1', datums: input, deadline, write: (l) => lines.push(l), now: clock.now, sleep: clock.sleep, attemptSignal: clock.attemptSignal, random: () => 0.999 });

    const starts = clock.attempts.map((a) => a.start - START);
    expect(starts).toEqual([0, 99, 298, 697, 1496, 3094, 6290, 11285, 16280, 19750]);
    // Retries end at the deadline, not one maximum backoff (5 s) before it.
    expect(starts.at(-1)).toBe(20_000 - DEFAULT_RETRY.minAttemptMs);
    for (const a of clock.attempts) expect(a.start + a.budget).toBeLessThanOrEqual(deadline);
    expect(aws.requests).toHaveLength(10);
    expect(aws.requests.every((r) => r.operation === 'PutMetricData' && r.headers['amz-sdk-request'] === 'attempt=1; max=1')).toBe(true);
    expect(outcome).toMatchObject({ ok: false, calls: 0, attempts: 10, fallbackDatums: 5 });
    expect(outcome.error).toMatchObject({ kind: 'throttled', retryable: false, code: 'Throttling' });
    expect(outcome.error!.message).toMatch(/gave up: no time for another attempt before the deadline/);
    expectEachDatumOnce(aws, lines, input, true);
  });

  it('with the real timer: one hung connection, then success (the SDK aborts the request and opens a new connection)', async () => {
    const { aws, client } = await setup({ stallConnections: (i) => i === 0 });
    const input = datums(3);
    const lines: string[] = [];
    const outcome = await publishMetrics({ client, namespace: 'ProbeFleet', fleet: 'shop', region: 'eu-west-1', datums: input, deadline: Date.now() + 30_000, write: (l) => lines.push(l), retry: { attemptTimeoutMs: 150, baseDelayMs: 1, maxDelayMs: 1 } });
    expect(outcome).toMatchObject({ ok: true, attempts: 2, calls: 1, published: 3 });
    expect(aws.connections()).toEqual({ accepted: 2, stalled: 1 });
    expectEachDatumOnce(aws, lines, input, false);
  });
});
