// `probe-fleet canary` in process against two real regression services (canary and baseline)
// and a local endpoint standing in for CloudWatch. Assertions count intervals and requests,
// never wall time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { canaryCommand, roundOutlastsInterval } from '../../lib/cli/commands/canary.js';
import { main } from '../../lib/cli/main.js';
import type { CanaryReport, LatencyJudgement } from '../../lib/release/canary.js';
import { measureLatency, runCanary } from '../../lib/release/canary.js';
import type { CheckResult } from '../../lib/model/result.js';
import type { DecodedAwsRequest, FakeAnswer, FakeAws } from '../support/fakeAws.js';
import { serverError, startFakeAws } from '../support/fakeAws.js';
import type { RegressionService } from '../support/regressionService.js';
import { startRegressionService } from '../support/regressionService.js';
import type { StartedHttpServer } from '../support/servers.js';
import { startHttpServer } from '../support/servers.js';
import { captureIO, check, fleet, tempDir, writeFleet } from './helpers.js';

let canary: RegressionService;
let baseline: RegressionService;
let aws: FakeAws;
let cloudwatchAnswer: (req: DecodedAwsRequest) => FakeAnswer | undefined = () => undefined;
let tmp: ReturnType<typeof tempDir>;
let config: string;
let withCloudWatch: string;

const FAST = ['--interval', '200ms', '--runs-per-interval', '20', '--min-samples', '10'];
const AWS_ENV = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' };

beforeAll(async () => {
  tmp = tempDir();
  canary = await startRegressionService();
  baseline = await startRegressionService();
  aws = await startFakeAws({ respond: (req) => cloudwatchAnswer(req) });
  const checks = [check('products')];
  config = writeFleet(tmp.dir, fleet({ production: 'http://127.0.0.1:9' }, checks));
  withCloudWatch = writeFleet(
    tmp.dir,
    fleet({ production: 'http://127.0.0.1:9' }, checks, {
      release: {
        canary: {
          cloudwatch: [
            {
              name: 'canary-5xx-rate',
              region: 'eu-west-1',
              periodSeconds: 60,
              lookback: '5m',
              reduce: 'max',
              successCondition: '<=0.01',
              queries: [
                { id: 'errors', metric: { namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', dimensions: { TargetGroup: 'targetgroup/canary/1' } }, stat: 'Sum' },
                { id: 'requests', metric: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', dimensions: { TargetGroup: 'targetgroup/canary/1' } }, stat: 'Sum' },
                { id: 'rate', expression: 'errors / requests' },
              ],
            },
          ],
        },
      },
    }),
    'cloudwatch.json',
  );
});

afterAll(async () => {
  await canary.close();
  await baseline.close();
  await aws.close();
  tmp.remove();
});

beforeEach(() => {
  canary.deploy({});
  baseline.deploy({});
  canary.requests.length = 0;
  baseline.requests.length = 0;
  cloudwatchAnswer = () => undefined;
});

async function analyse(args: string[], options: { config?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; out: string; err: string; report: CanaryReport }> {
  const io = captureIO(tmp.dir, { ...AWS_ENV, ...options.env });
  const json = join(tmp.dir, `canary-${Math.random().toString(36).slice(2)}.json`);
  const code = await canaryCommand.run(['--config', options.config ?? config, '--canary', canary.url, '--baseline', baseline.url, ...FAST, '--request-log', join(tmp.dir, 'requests.jsonl'), '--json', json, ...args], io);
  const report = code === 2 ? ({} as CanaryReport) : (JSON.parse(readFileSync(json, 'utf8')) as CanaryReport);
  return { code, out: io.out(), err: io.err(), report };
}

describe('canary', () => {
  it('promotes a healthy canary after --count measurements', async () => {
    // Both services share this machine's CPU with the test runner; 50 ms keeps scheduler noise from reading as a regression.
    const run = await analyse(['--count', '3', '--latency-min-delta', '50ms']);
    // 20 runs x 3 intervals cannot see a canary at 2 % errors: said, not hidden.
    expect(run.err).toMatch(/^probe-fleet canary: warning: 20 runs per interval x 3 intervals cannot support >= 0\.99: a canary failing 2\.0% of a check's runs .* is caught \d+\.\d+% of the time, expected 80%; --runs-per-interval \d+ would \(or raise --count\)\n$/);
    expect(run.code).toBe(0);
    expect(run.report.decision).toBe('promote');
    expect(run.report.intervals).toHaveLength(3);
    expect(run.report.metrics['success-rate']?.tally).toMatchObject({ successful: 3, failed: 0 });
    expect(run.report.metrics.latency?.tally.successful).toBe(3);
    // 1 check x 20 runs x 3 intervals reached each service, marked synthetic.
    expect(canary.requests).toHaveLength(60);
    expect(baseline.requests).toHaveLength(60);
    expect(canary.requests.every((r) => r.headers['x-synthetic-request'] === 'true')).toBe(true);
    expect(run.out).toMatch(/interval {2}3 {2}success-rate/);
    expect(run.out).toContain('Decision: promote (exit 0) after 3 intervals');
  });

  it('aborts a 5%-error canary beside a clean baseline once the running totals differ beyond noise, at failed > failure limit', async () => {
    // Every 20th request fails: 1 error in each interval's 20 runs. Fisher's exact test on the
    // totals (k/20k vs 0/20k) is first significant at k = 5 (p = 0.030; at k = 4, p = 0.060),
    // so intervals 5, 6 and 7 fail and the third failure aborts.
    canary.deploy({ errorRate: 0.05 });
    const run = await analyse(['--count', '10', '--failure-limit', '2', '--success', '>=0.99', '--no-latency']);
    expect(run.code).toBe(1);
    expect(run.report.decision).toBe('abort');
    expect(run.report.intervals.map((i) => i.measurements.find((m) => m.metric === 'success-rate')?.phase)).toEqual(['Successful', 'Successful', 'Successful', 'Successful', 'Failed', 'Failed', 'Failed']);
    expect(run.report.intervals.map((i) => i.measurements[0]?.value)).toEqual([0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]);
    expect(run.report.reason).toBe('success-rate: 3 failed measurements > failure limit 2');
    // No retries: 20 runs per interval, seven intervals, nothing more once decided.
    expect(canary.requests).toHaveLength(140);
    expect(run.out).toContain('[ERROR RATE products] canary 4/80 (5.0%) (assertion) vs baseline 0/80 (0.0%): Fisher p=0.0601 >= alpha 0.05');
    expect(run.out).toContain('[ERROR RATE products] canary 5/100 (5.0%) (assertion) vs baseline 0/100 (0.0%): Fisher p=0.0297 < alpha 0.05, +5.0 points >= min effect 1.0 points: canary worse than baseline');
    expect(run.out).toContain('Decision: abort (exit 1) after 7 intervals');
  });

  it('with --runs-per-interval auto picks 112 runs (the threshold 2% caught with 80% power) and aborts a 5% canary at the third interval', async () => {
    canary.deploy({ errorRate: 0.05 });
    const run = await analyse(['--runs-per-interval', 'auto', '--count', '5', '--no-latency']);
    expect(run.err).toBe('');
    expect(run.out).toContain('1 check x 112 runs per interval (auto); every 200ms, count 5, success >= 0.99');
    expect(run.out).toMatch(/^ {2}detection power \(80% chance to abort\): canary error rate >= 2\.0% beside 0%, >= 3\.2% beside 0\.50%, >= 6\.1% beside 2\.0%$/m);
    expect(run.code).toBe(1);
    expect(run.report.intervals).toHaveLength(3);
    // 6 of the first 112 requests fail (every 20th, the first included): Fisher p = 0.0146 already.
    expect(run.report.intervals[0]?.measurements[0]?.detail).toContain('[ERROR RATE products] canary 6/112 (5.4%) (assertion) vs baseline 0/112 (0.0%): Fisher p=0.0146 < alpha 0.05');
    expect(canary.requests).toHaveLength(336);
    expect(run.report).toMatchObject({ runsPerInterval: 112, runsPerIntervalChosen: true });
  });

  it('5% errors on both sides: both above what >= 0.99 allows and not told apart, inconclusive, exit 3', async () => {
    canary.deploy({ errorRate: 0.05 });
    baseline.deploy({ errorRate: 0.05 });
    const run = await analyse(['--count', '5', '--no-latency']);
    expect(run.code).toBe(3);
    expect(run.report.decision).toBe('inconclusive');
    // 3/60 on each side is the first total significantly above 1 % (binomial p = 0.022; 2/40: 0.061).
    expect(run.report.intervals).toHaveLength(3);
    expect(run.report.intervals[2]?.measurements[0]?.detail).toBe(
      '[ERROR RATE products] canary 3/60 (5.0%) (assertion) vs baseline 3/60 (5.0%): Fisher p=0.6603 >= alpha 0.05; both above the 1.0% that >= 0.99 allows (binomial p=0.0224, 0.0224 < alpha 0.05): both sides degraded',
    );
  });

  it('aborts a canary that is 300 ms slower on latency, with and without Mann-Whitney', async () => {
    canary.deploy({ extraLatencyMs: 300 });
    for (const extra of [[], ['--mann-whitney', '--alpha', '0.01']]) {
      const run = await analyse(['--count', '3', '--failure-limit', '0', '--runs-per-interval', '12', ...extra]);
      expect(run.code).toBe(1);
      expect(run.report.reason).toBe('latency: 1 failed measurements > failure limit 0');
      const latency = run.report.intervals[0]!.measurements.find((m) => m.metric === 'latency')!;
      expect(latency.phase).toBe('Failed');
      expect(latency.value).toBeGreaterThan(1.2);
      expect(latency.detail).toContain('canary slower');
      if (extra.length > 0) expect(latency.detail).toMatch(/Mann-Whitney U=\d+(\.5)? p=0\.00\d\d \((exact|normal)\) < alpha 0\.01/);
    }
  });

  it('judges a CloudWatch GetMetricData query from the fleet, sending the configured queries', async () => {
    cloudwatchAnswer = (req) => (req.operation === 'GetMetricData' ? { json: { MetricDataResults: [{ Id: 'rate', Timestamps: [1_700_000_000, 1_700_000_060], Values: [0.002, 0.05] }] } } : undefined);
    const before = aws.requests.length;
    const run = await analyse(['--count', '3', '--failure-limit', '0', '--cloudwatch-endpoint', aws.endpoint], { config: withCloudWatch });
    expect(run.code).toBe(1);
    expect(run.report.reason).toBe('cloudwatch:canary-5xx-rate: 1 failed measurements > failure limit 0');
    const measured = run.report.intervals[0]!.measurements.find((m) => m.metric === 'cloudwatch:canary-5xx-rate')!;
    expect(measured).toMatchObject({ phase: 'Failed', value: 0.05, detail: '[canary-5xx-rate] (0.05) <= 0.01 fails' });
    const sent = aws.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ service: 'monitoring', region: 'eu-west-1', operation: 'GetMetricData' });
    const body = sent[0]!.body as { StartTime: number; EndTime: number; MetricDataQueries: { Id: string; ReturnData: boolean; MetricStat?: { Period: number; Stat: string } }[] };
    expect(body.MetricDataQueries.map((q) => [q.Id, q.ReturnData])).toEqual([
      ['errors', false],
      ['requests', false],
      ['rate', true],
    ]);
    expect(body.MetricDataQueries[0]?.MetricStat).toMatchObject({ Period: 60, Stat: 'Sum' });
    // A 5-minute lookback, its start aligned down to the 60 s period.
    expect(body.StartTime % 60).toBe(0);
    expect(body.EndTime - body.StartTime).toBeGreaterThanOrEqual(300);
    expect(body.EndTime - body.StartTime).toBeLessThan(360);
  });

  it('counts measurements that could not be taken as errors, up to the consecutive-error limit', async () => {
    cloudwatchAnswer = (req) => (req.operation === 'GetMetricData' ? serverError(400, 'bad query') : undefined);
    const run = await analyse(['--count', '5', '--consecutive-error-limit', '1', '--cloudwatch-endpoint', aws.endpoint], { config: withCloudWatch });
    expect(run.code).toBe(1);
    expect(run.report.phase).toBe('Error');
    expect(run.report.intervals).toHaveLength(2);
    expect(run.report.reason).toBe('cloudwatch:canary-5xx-rate: 2 consecutive errors > consecutive error limit 1');
    expect(run.report.metrics['success-rate']?.tally.successful).toBe(2);
  });

  it('judges latency per check: one fast endpoint slower on the canary aborts, though a slow endpoint dominates the pooled p95', async () => {
    // /quick is +150 ms on the canary only; /heavy takes 400 ms on both. Pooled, both p95s are
    // /heavy's 400 ms (ratio 1.0) and the regression would pass unseen.
    const delays = { canary: { '/quick': 150, '/heavy': 400 }, baseline: { '/quick': 0, '/heavy': 400 } };
    const servers: StartedHttpServer[] = [];
    try {
      for (const side of ['canary', 'baseline'] as const) {
        servers.push(
          await startHttpServer((req, res) => {
            const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname as '/quick' | '/heavy';
            setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), delays[side][path] ?? 0);
          }),
        );
      }
      const twoEndpoints = writeFleet(tmp.dir, fleet({ production: 'http://127.0.0.1:9' }, [check('quick', { url: '/quick' }), check('heavy', { url: '/heavy' })]), 'two-endpoints.json');
      const io = captureIO(tmp.dir);
      const json = join(tmp.dir, 'two-endpoints-report.json');
      const code = await canaryCommand.run(
        ['--config', twoEndpoints, '--canary', servers[0]!.url, '--baseline', servers[1]!.url, ...FAST, '--runs-per-interval', '10', '--count', '3', '--failure-limit', '0', '--latency-min-delta', '50ms', '--request-log', join(tmp.dir, 'requests.jsonl'), '--json', json],
        io,
      );
      const report = JSON.parse(readFileSync(json, 'utf8')) as CanaryReport;
      expect(code, io.out() + io.err()).toBe(1);
      expect(report.reason).toBe('latency: 1 failed measurements > failure limit 0');
      const latency = report.intervals[0]!.measurements.find((m) => m.metric === 'latency')!;
      expect(latency.phase).toBe('Failed');
      expect(latency.detail).toMatch(/^\[LATENCY p95 quick\] canary \d+\.\d ms \/ baseline \d+\.\d ms = \d+\.\d\d <= 1\.2: canary slower \(worst of 2 checks\)$/);
      expect(latency.value).toBeGreaterThan(1.2);
    } finally {
      for (const server of servers) await server.close();
    }
  });

  it('exits 2 before any request when --runs-per-interval cannot reach --min-samples (every check is judged on its own runs)', async () => {
    const three = writeFleet(tmp.dir, fleet({ production: 'http://127.0.0.1:9' }, [check('a'), check('b'), check('c')]), 'three-checks.json');
    // 3 checks x 5 runs = 15 results, but no single check has 10.
    const run = await analyse(['--runs-per-interval', '5', '--min-samples', '10', '--no-latency'], { config: three });
    expect(run.code).toBe(2);
    expect(run.err).toContain('--runs-per-interval 5 < --min-samples 10: every check is judged on its own runs, so every measurement would be inconclusive');
    expect(run.err).toContain('expected --runs-per-interval 10 or more, or a lower --min-samples; nothing ran');
    expect(canary.requests).toHaveLength(0);
    expect(baseline.requests).toHaveLength(0);
    const ok = await analyse(['--runs-per-interval', '5', '--min-samples', '5', '--no-latency', '--count', '1'], { config: three });
    expect(ok.code, ok.out + ok.err).toBe(0);
  });

  const usage: { name: string; args: string[]; message: RegExp }[] = [
    { name: 'a bad success condition', args: ['--success', '0.99'], message: /invalid --success: expected a comparison/ },
    { name: 'a bad interval', args: ['--interval', 'often'], message: /invalid --interval/ },
    { name: 'a negative failure limit', args: ['--failure-limit=-1'], message: /invalid --failure-limit/ },
    { name: 'a latency ratio below 1', args: ['--latency-ratio', '0.5'], message: /invalid --latency-ratio/ },
    { name: 'a success condition that is not a lower bound', args: ['--success', '<=0.01'], message: /invalid --success: expected a lower bound on the success rate, '>=' or '>' and a number from 0 to 1/ },
    { name: 'a success bar above 1', args: ['--success', '>=99'], message: /invalid --success: expected a lower bound/ },
    { name: 'a minimum effect of 1 or more', args: ['--min-effect', '1'], message: /invalid --min-effect: expected an error-rate difference from 0 to below 1/ },
    { name: 'runs per interval that are neither a number nor auto', args: ['--runs-per-interval', 'many'], message: /invalid --runs-per-interval/ },
    { name: 'a baseline URL with a password', args: ['--baseline', 'http://probe:s3cretpw@127.0.0.1:1'], message: /^(?![\s\S]*s3cretpw)[\s\S]*invalid --baseline: expected an http:\/\/ or https:\/\/ URL without a user name or password/ },
  ];
  for (const row of usage) {
    it(`exits 2 on ${row.name}, before any request`, async () => {
      const run = await analyse(row.args);
      expect(run.code).toBe(2);
      expect(run.err).toMatch(row.message);
      expect(canary.requests).toHaveLength(0);
    });
  }

  it('--help states the verdict rules, the power line and every exit code', async () => {
    const io = captureIO(tmp.dir);
    expect(await main(['canary', '--help'], io)).toBe(0);
    const help = io.out();
    for (const text of ['one-sided Fisher exact test', '--min-effect D', '--runs-per-interval N|auto', 'both degraded', '80% probability', '4  baseline down', '3  inconclusive', '1  abort', '0  promote']) {
      expect(help).toContain(text);
    }
  });

  it('exits 2 without --canary', async () => {
    const io = captureIO(tmp.dir);
    expect(await canaryCommand.run(['--config', config, '--baseline', baseline.url], io)).toBe(2);
    expect(io.err()).toContain('--canary is required');
  });
});

// The latency judgement alone, on result values shaped like the runner's.
describe('measureLatency', () => {
  const judgement: LatencyJudgement = { ratio: 1.2, minDeltaMs: 10, mannWhitney: false, alpha: 0.05, percentile: 95 };
  const results = (checkId: string, durations: number[], extra: Partial<CheckResult> = {}): CheckResult[] =>
    durations.map((durationMs) => ({
      checkId,
      environment: 'production',
      location: 'local',
      runId: 'r',
      startedAt: '2026-11-22T00:00:00.000Z',
      ok: true,
      degraded: false,
      durationMs,
      phases: { dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: durationMs, transferMs: 0 },
      status: 200,
      bytes: 2,
      certDaysRemaining: null,
      assertions: [],
      failure: null,
      attempts: 1,
      flaky: false,
      ...extra,
    }));
  const steady = (ms: number, n = 10): number[] => Array.from({ length: n }, (_, i) => ms + (i % 3));

  it('leaves failed exchanges out: fast 500s on the canary do not make it look fast', () => {
    // The canary's passing answers are 3x slower; its many quick failures would pull a pooled p95 down to the baseline's.
    const canary = [...results('products', steady(300)), ...results('products', steady(5, 30), { ok: false, status: 500 })];
    const measured = measureLatency(canary, results('products', steady(100)), judgement, 10);
    expect(measured.phase).toBe('Failed');
    expect(measured.detail).toMatch(/^\[LATENCY p95 products\] canary 302\.0 ms \/ baseline 102\.0 ms = 2\.96 <= 1\.2: canary slower$/);
  });

  it('leaves a check whose failures left too few passing exchanges to the error rate, instead of calling latency inconclusive', () => {
    // A failing or down canary must not end the analysis as "inconclusive" through its latency.
    const canary = [...results('products', steady(100, 9)), ...results('products', steady(100, 20), { ok: false, status: 503 })];
    const measured = measureLatency(canary, results('products', steady(100)), judgement, 10);
    expect(measured).toMatchObject({ phase: 'Error', value: null });
    expect(measured.detail).toBe('no check had 10 passing exchanges on both sides to compare: the failures are judged by the error rate');
  });

  it('is inconclusive when too few runs (not failures) gave passing samples', () => {
    const measured = measureLatency(results('products', steady(100, 9)), results('products', steady(100)), judgement, 10);
    expect(measured).toMatchObject({ phase: 'Inconclusive', value: null });
    expect(measured.detail).toBe('[LATENCY p95 products] 9 canary and 10 baseline passing samples < 10 needed');
  });

  it('is the worst check\'s verdict, and names that check', () => {
    const canary = [...results('quick', steady(60)), ...results('heavy', steady(400))];
    const baseline = [...results('quick', steady(5)), ...results('heavy', steady(400))];
    const measured = measureLatency(canary, baseline, judgement, 10);
    expect(measured.phase).toBe('Failed');
    expect(measured.detail).toMatch(/^\[LATENCY p95 quick\].*: canary slower \(worst of 2 checks\)$/);
    expect(measured.value).toBeCloseTo(62 / 7, 6);
  });

  it('is an error for a check the baseline never passed: nothing to compare with', () => {
    const measured = measureLatency(results('products', steady(100)), results('products', steady(100), { ok: false, status: 500 }), judgement, 10);
    expect(measured).toMatchObject({ phase: 'Error', detail: '[LATENCY p95 products] the baseline passed no exchange: no reference to compare with' });
  });
});

// The analysis loop alone, on a virtual clock: the real schedule, no waiting.
describe('runCanary on a virtual clock', () => {
  const round = (checkId: string, runs: number, failing: number): CheckResult[] =>
    Array.from({ length: runs }, (_, i) => ({
      checkId,
      environment: 'production',
      location: 'local',
      runId: 'r',
      startedAt: '2026-11-22T00:00:00.000Z',
      ok: i >= failing,
      degraded: false,
      durationMs: 12,
      phases: { dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 12, transferMs: 0 },
      status: i >= failing ? 200 : 503,
      bytes: 2,
      certDaysRemaining: null,
      assertions: [],
      failure: i >= failing ? null : { kind: 'assertion', message: 'status: expected 200, got 503', retryable: true },
      attempts: 1,
      flaky: false,
    }));

  async function analyse(runRound: (target: 'canary' | 'baseline') => CheckResult[]): Promise<{ report: CanaryReport; sleeps: number[] }> {
    let t = Date.parse('2026-11-22T10:00:00.000Z');
    const sleeps: number[] = [];
    const report = await runCanary({
      limits: { count: 5, failureLimit: 2, inconclusiveLimit: 0, consecutiveErrorLimit: 4 },
      intervalMs: 120_000,
      initialDelayMs: 30_000,
      errorRate: { tolerance: 0.01, minEffect: 0.01, alpha: 0.05, successText: '>= 0.99' },
      minSamples: 10,
      latency: { ratio: 1.2, minDeltaMs: 10, mannWhitney: true, alpha: 0.05, percentile: 95 },
      cloudwatch: null,
      runRound: (target) => Promise.resolve(runRound(target)),
      now: () => t,
      sleep: (ms) => {
        sleeps.push(ms);
        t += ms;
        return Promise.resolve(true);
      },
    });
    return { report, sleeps };
  }

  it('a down baseline is its own verdict: baseline-down, exit 4, after consecutive-error limit + 1 two-minute intervals', async () => {
    const { report, sleeps } = await analyse((target) => round('products', 20, target === 'baseline' ? 20 : 0));
    expect(report).toMatchObject({ decision: 'baseline-down', exitCode: 4, phase: 'Error' });
    expect(report.reason).toBe('the baseline passed nothing in 5 consecutive intervals > consecutive error limit 4: no reference to judge the canary against');
    expect(report.intervals.map((i) => i.startedAt.slice(11, 19))).toEqual(['10:00:30', '10:02:30', '10:04:30', '10:06:30', '10:08:30']);
    expect(sleeps).toEqual([30_000, 120_000, 120_000, 120_000, 120_000]);
    expect(report.intervals[0]?.measurements[0]).toMatchObject({ phase: 'Error', cause: 'baseline-down' });
  });

  it('a down canary aborts through its error rate (not "inconclusive" through latency) at the third interval', async () => {
    const { report } = await analyse((target) => round('products', 20, target === 'canary' ? 20 : 0));
    expect(report).toMatchObject({ decision: 'abort', exitCode: 1, reason: 'success-rate: 3 failed measurements > failure limit 2' });
    expect(report.intervals).toHaveLength(3);
    expect(report.intervals[0]?.measurements.map((m) => [m.metric, m.phase])).toEqual([
      ['success-rate', 'Failed'],
      ['latency', 'Error'],
    ]);
    expect(report.intervals[0]?.measurements[0]).toMatchObject({ cause: 'canary-down', detail: '[ERROR RATE products] canary down: 0 of 20 passed (assertion); baseline 20 of 20 passed' });
  });

  it('keeps the running totals per check: an interval with the baseline down is left out of them', async () => {
    let interval = 0;
    const { report } = await analyse((target) => {
      if (target === 'canary') interval++;
      return round('products', 20, target === 'baseline' && interval === 2 ? 20 : 0);
    });
    expect(report.decision).toBe('promote');
    const totals = report.intervals.map((i) => i.measurements[0]?.checks?.[0]?.total.baseline.runs);
    // Interval 2 had the baseline down: its 20 runs never joined the totals.
    expect(totals).toEqual([20, 20, 40, 60, 80, 100]);
    expect(report.intervals).toHaveLength(6);
    expect(report.metrics['success-rate']?.tally).toMatchObject({ successful: 5, error: 1 });
  });
});

describe('roundOutlastsInterval', () => {
  it('is quiet when the rate limit lets a round finish within the interval: 4 checks x 112 runs at 5/s take 89 s of 120', () => {
    expect(roundOutlastsInterval(448, { requestsPerSecond: 5, burst: 5 }, 120_000)).toBeNull();
  });

  it('warns when a round outlasts the interval: 10 checks x 112 runs at 5/s take 223 s', () => {
    expect(roundOutlastsInterval(1120, { requestsPerSecond: 5, burst: 5 }, 120_000)).toBe(
      "a round of 1120 requests per target takes at least 223 s at the environment's rate limit of 5 requests/s, longer than --interval 2m: each interval will take that long instead; raise the rate limit, lengthen --interval, or select fewer checks",
    );
  });
});
