// `probe-fleet watch` with the built-in plan, time compressed 400x (30 minutes in 4.5 s), against
// regression services whose /metrics gauges run on the same compressed clock. Each planted
// regression must stop the watch at the step that owns it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchCommand } from '../../lib/cli/commands/watch.js';
import type { WatchOutcome } from '../../lib/release/watch.js';
import type { DecodedAwsRequest, FakeAnswer, FakeAws } from '../support/fakeAws.js';
import { serverError, startFakeAws } from '../support/fakeAws.js';
import type { Regressions, RegressionService } from '../support/regressionService.js';
import { startRegressionService } from '../support/regressionService.js';
import { captureIO, check, fleet, tempDir, writeFleet } from './helpers.js';

const SCALE = 400;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  tmp = tempDir();
  // Warm the loader and the HTTP client once, so the first watch's first probe round measures
  // the service rather than this process starting up.
  const service = await startRegressionService();
  try {
    await watchAgainst(service, ['--plan', 'warm', '--time-scale', '1000'], {
      release: { watch: { plans: { warm: { steps: [{ name: 'warm', at: '0s', judge: { kind: 'errorRate', max: 1 } }] } } } },
    });
  } finally {
    await service.close();
  }
});
afterAll(() => {
  tmp.remove();
});

async function watchAgainst(service: RegressionService, args: string[] = [], extra: Parameters<typeof fleet>[2] = {}, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string; outcome: WatchOutcome }> {
  const config = writeFleet(tmp.dir, fleet({ production: service.url }, [check('products', { degradedMs: 250, maxMs: 2000 }), check('health', { url: '/health', degradedMs: 250, maxMs: 2000 })], extra), `fleet-${Math.random().toString(36).slice(2)}.json`);
  const json = join(tmp.dir, `watch-${Math.random().toString(36).slice(2)}.json`);
  const io = captureIO(tmp.dir, env);
  const code = await watchCommand.run(['--config', config, '--time-scale', String(SCALE), '--request-log', join(tmp.dir, 'requests.jsonl'), '--json', json, ...args], io);
  const outcome = code === 2 ? ({} as WatchOutcome) : (JSON.parse(readFileSync(json, 'utf8')) as WatchOutcome);
  return { code, out: io.out(), err: io.err(), outcome };
}

const STEPS = ['error rate baseline', 'p95 latency within SLO', 'memory trend stable', 'DB connection pool not growing', 'no memory creep'];

// One at a time: concurrent watches in one worker measure each other's event-loop stalls as latency.
describe('watch, default plan', () => {
  const table: { name: string; regression: Partial<Regressions>; stopsAt: number | null }[] = [
    { name: 'a healthy deploy passes every step', regression: {}, stopsAt: null },
    { name: 'a 5% error rate stops at T+0', regression: { errorRate: 0.05 }, stopsAt: 0 },
    { name: '+300 ms latency stops at T+2m', regression: { extraLatencyMs: 300 }, stopsAt: 1 },
    { name: 'memory growing 5%/min stops at T+5m', regression: { memoryGrowthPerMinute: 0.05 }, stopsAt: 2 },
    { name: 'a DB pool growing 2/min stops at T+10m', regression: { poolGrowthPerMinute: 2 }, stopsAt: 3 },
    { name: 'memory creeping 0.5%/min passes T+5m and stops at T+30m', regression: { memoryGrowthPerMinute: 0.005 }, stopsAt: 4 },
  ];
  for (const row of table) {
    it(row.name, async () => {
      const service = await startRegressionService({ timeScale: SCALE, regressions: row.regression });
      try {
        const run = await watchAgainst(service);
        const verdicts = run.outcome.steps.map((s) => s.verdict);
        if (row.stopsAt === null) {
          expect(run.code, run.out + run.err).toBe(0);
          expect(verdicts).toEqual(['healthy', 'healthy', 'healthy', 'healthy', 'healthy']);
          expect(run.out).toContain('Watch: healthy: all 5 steps of plan default passed (exit 0');
          // Probes ran throughout the 30 plan minutes (one round per 15 s when nothing lags: 120).
          expect(run.outcome.probeRounds).toBeGreaterThanOrEqual(30);
          expect(service.scrapes).toBeGreaterThanOrEqual(30);
        } else {
          expect(run.code, run.out + run.err).toBe(1);
          expect(run.outcome.steps.map((s) => s.step), run.out).toEqual(STEPS.slice(0, row.stopsAt + 1));
          expect(verdicts.at(-1)).toBe('unhealthy');
          expect(verdicts.slice(0, -1).every((v) => v === 'healthy')).toBe(true);
          expect(run.out).toContain(`'${STEPS[row.stopsAt]!}': roll back`);
        }
        // Probes ran continuously, and every probe request was marked synthetic.
        expect(run.outcome.probeRounds).toBeGreaterThanOrEqual(1);
        expect(service.requests.every((r) => r.headers['x-synthetic-request'] === 'true')).toBe(true);
      } finally {
        await service.close();
      }
    });
  }
});

describe('watch, plans and sources', () => {
  it('a step due before the watch began is judged on the data collected from then on (--since)', async () => {
    const service = await startRegressionService();
    try {
      const run = await watchAgainst(service, ['--plan', 'quick', '--since', '10m', '--time-scale', '1'], {
        release: {
          watch: {
            plans: {
              quick: {
                steps: [
                  { name: 'no errors', at: '0s', judge: { kind: 'errorRate', max: 0 } },
                  { name: 'p95 under 1 s', at: '2m', window: '2m', judge: { kind: 'latency', percentile: 95, maxMs: 1000 } },
                ],
              },
            },
          },
        },
      });
      expect(run.code).toBe(0);
      expect(run.outcome.steps.map((s) => s.verdict)).toEqual(['healthy', 'healthy']);
      expect(run.outcome.steps.every((s) => s.judgedAtMs >= 600_000)).toBe(true);
      expect(run.out).toMatch(/judged at T\+10m/);
    } finally {
      await service.close();
    }
  });

  it('reads a trend series from CloudWatch GetMetricData over the step window', async () => {
    const seen: DecodedAwsRequest[] = [];
    const aws: FakeAws = await startFakeAws({
      respond: (req) => {
        if (req.operation !== 'GetMetricData') return undefined;
        seen.push(req);
        const body = req.body as { StartTime: number; EndTime: number };
        // Five points across the window, each 10% above the one before: a leak.
        const step = (body.EndTime - body.StartTime) / 5;
        const timestamps = Array.from({ length: 5 }, (_, i) => body.StartTime + step * (i + 0.5));
        return { json: { MetricDataResults: [{ Id: 'mem', Timestamps: timestamps, Values: timestamps.map((_, i) => 1000 * (1 + 0.1 * i)) }] } };
      },
    });
    const service = await startRegressionService();
    try {
      const run = await watchAgainst(
        service,
        ['--plan', 'cw', '--cloudwatch-endpoint', aws.endpoint, '--time-scale', '600'],
        {
          release: {
            watch: {
              plans: { cw: { steps: [{ name: 'task memory stable', at: '5m', window: '5m', judge: { kind: 'trend', series: 'taskMemory', maxRelativeSlopePerMinute: 0.01 } }] } },
              series: {
                taskMemory: {
                  cloudwatch: {
                    name: 'ecs-memory',
                    region: 'eu-west-1',
                    periodSeconds: 60,
                    queries: [{ id: 'mem', metric: { namespace: 'AWS/ECS', metricName: 'MemoryUtilized', dimensions: { ClusterName: 'shop', ServiceName: 'shop-api' } }, stat: 'Average' }],
                  },
                },
              },
            },
          },
        },
        { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' },
      );
      expect(run.code).toBe(1);
      // The slope is taken over the later half of the window, at least its last 3 samples: 3 of the 5.
      expect(run.outcome.steps[0]).toMatchObject({ step: 'task memory stable', verdict: 'unhealthy', samples: 3 });
      expect(seen).toHaveLength(1);
      const body = seen[0]!.body as { StartTime: number; EndTime: number; MetricDataQueries: unknown[] };
      expect(seen[0]!.region).toBe('eu-west-1');
      expect(body.MetricDataQueries).toEqual([
        { Id: 'mem', ReturnData: true, MetricStat: { Metric: { Namespace: 'AWS/ECS', MetricName: 'MemoryUtilized', Dimensions: [{ Name: 'ClusterName', Value: 'shop' }, { Name: 'ServiceName', Value: 'shop-api' }] }, Period: 60, Stat: 'Average' } },
      ]);
      // The 5-minute window at 600x is half a second of wall time, ending when the step was judged.
      expect(body.EndTime - body.StartTime).toBeGreaterThanOrEqual(0.49);
      expect(body.EndTime - body.StartTime).toBeLessThan(2);
    } finally {
      await service.close();
      await aws.close();
    }
  });

  describe('a CloudWatch series that cannot be read', () => {
    const plan = {
      release: {
        watch: {
          plans: { cw: { steps: [{ name: 'task memory stable', at: '5m', window: '5m', judge: { kind: 'trend' as const, series: 'taskMemory', maxRelativeSlopePerMinute: 0.01 } }] } },
          series: {
            taskMemory: {
              cloudwatch: { name: 'ecs-memory', region: 'eu-west-1', periodSeconds: 60, queries: [{ id: 'mem', metric: { namespace: 'AWS/ECS', metricName: 'MemoryUtilized' }, stat: 'Average' }] },
            },
          },
        },
      },
    };
    const table: { name: string; answer: FakeAnswer; detail: RegExp; maxCalls: number }[] = [
      {
        name: 'access denied: asked once, then "could not judge" at once',
        answer: { error: { status: 403, code: 'AccessDeniedException', queryCode: 'AccessDenied', message: 'not authorized to perform cloudwatch:GetMetricData', type: 'Sender' } },
        detail: /GetMetricData for 'ecs-memory' failed: AccessDenied.*\(HTTP 403\).*not retryable, so the watch stopped asking/,
        maxCalls: 1,
      },
      {
        // The wait is 3 scrape intervals + 5 s of wall time; re-asked at most once a second,
        // each ask being at most the SDK's 3 attempts: (1 + 6) x 3. Polling every 25 ms made it hundreds.
        name: 'a server error: re-asked at most once a second while the step waits, then "could not judge"',
        answer: serverError(500, 'internal'),
        detail: /GetMetricData for 'ecs-memory' failed: .*\(HTTP 500\)/,
        maxCalls: 21,
      },
    ];
    for (const row of table) {
      it(row.name, async () => {
        let calls = 0;
        const aws = await startFakeAws({
          respond: (req) => {
            if (req.operation !== 'GetMetricData') return undefined;
            calls++;
            return row.answer;
          },
        });
        const service = await startRegressionService();
        try {
          const run = await watchAgainst(service, ['--plan', 'cw', '--cloudwatch-endpoint', aws.endpoint, '--time-scale', '600'], plan, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' });
          expect(run.code, run.out + run.err).toBe(3);
          expect(run.outcome.steps[0]).toMatchObject({ step: 'task memory stable', verdict: 'no_data' });
          expect(run.outcome.steps[0]!.detail).toMatch(row.detail);
          expect(run.out).toContain("could not judge T+5m 'task memory stable'");
          expect(calls).toBeGreaterThanOrEqual(1);
          expect(calls).toBeLessThanOrEqual(row.maxCalls);
        } finally {
          await service.close();
          await aws.close();
        }
      });
    }
  });

  it('a series whose /metrics never answers is "could not judge", exit 3', async () => {
    const service = await startRegressionService();
    try {
      const run = await watchAgainst(service, ['--plan', 'm', '--metrics-url', 'http://127.0.0.1:9/metrics', '--time-scale', '60'], {
        release: { watch: { plans: { m: { scrapeInterval: '15s', steps: [{ name: 'memory flat', at: '0s', window: '1m', judge: { kind: 'trend', series: 'memory', maxRelativeSlopePerMinute: 0.01 } }] } } } },
      });
      expect(run.code).toBe(3);
      expect(run.outcome.steps[0]?.verdict).toBe('no_data');
      expect(run.outcome.steps[0]?.detail).toMatch(/expected at least 3 samples .* received 0; last error: series memory \(process_resident_memory_bytes from http:\/\/127\.0\.0\.1:9\/metrics\): could not scrape/);
    } finally {
      await service.close();
    }
  });

  it('an interrupt (SIGINT) ends the watch at once as not known healthy, exit 1', async () => {
    const service = await startRegressionService();
    try {
      const config = writeFleet(tmp.dir, fleet({ production: service.url }, [check('products', { degradedMs: 250 })]), 'interrupt.json');
      const io = captureIO(tmp.dir);
      // Real time: T+0 is judged after the first round, then the watch waits for T+2m until interrupted.
      const running = watchCommand.run(['--config', config, '--request-log', join(tmp.dir, 'requests.jsonl')], io);
      for (let i = 0; i < 400 && !io.out().includes('error rate baseline'); i++) await new Promise((r) => setTimeout(r, 25));
      io.abort();
      expect(await running).toBe(1);
      expect(io.out()).toContain('✓ T+0s   error rate baseline');
      expect(io.out()).toContain('Watch: interrupted before the plan completed');
    } finally {
      await service.close();
    }
  });

  it('serviceMetrics: false reads no counter; a named counter that never appears is "could not judge", exit 3', async () => {
    const service = await startRegressionService({ timeScale: 100 });
    try {
      const plan = { plans: { t0: { steps: [{ name: 'no errors', at: '0s', judge: { kind: 'errorRate' as const, max: 0 } }] } } };
      const off = await watchAgainst(service, ['--plan', 't0', '--time-scale', '100'], { release: { watch: { ...plan, serviceMetrics: false } } });
      expect(off.code, off.out + off.err).toBe(0);
      expect(off.out).not.toContain('service metrics');
      expect(service.scrapes).toBe(0);
      const named = await watchAgainst(service, ['--plan', 't0', '--time-scale', '100'], { release: { watch: { ...plan, serviceMetrics: { requests: { metric: 'shop_requests_total' }, duration: false } } } });
      expect(named.code, named.out + named.err).toBe(3);
      expect(named.outcome.steps[0]).toMatchObject({ verdict: 'no_data' });
      expect(named.outcome.steps[0]!.detail).toMatch(/^\[SERVICE 5XX\] shop_requests_total \(not seen yet\), latency histogram off from http:\/\/127\.0\.0\.1:\d+\/metrics: expected the configured request counter on the page, received none/);
    } finally {
      await service.close();
    }
  });

  it('--help states the verdict rules and what it reads', () => {
    for (const text of ['PASSING probes', 'histogram_quantile', 'http_requests_total{code=~"5.."}', 'http_request_duration_seconds_bucket', 'repeated median of the later half', 'release.watch.serviceMetrics', 'per check at most 5% failed probes']) {
      expect(watchCommand.help).toContain(text);
    }
  });

  const usage: { name: string; args: string[]; extra?: Parameters<typeof fleet>[2]; message: RegExp }[] = [
    { name: 'an unknown plan', args: ['--plan', 'nope'], message: /watch plan 'nope': expected one of default, received 'nope'/ },
    { name: 'a bad time scale', args: ['--time-scale', '0'], message: /invalid --time-scale/ },
    { name: 'a future --since', args: ['--since', '2999-01-01T00:00:00Z'], message: /invalid --since/ },
    { name: 'a metrics URL with a password', args: ['--metrics-url', 'http://probe:s3cretpw@127.0.0.1:9/metrics'], message: /^(?![\s\S]*s3cretpw)[\s\S]*invalid --metrics-url: expected an http:\/\/ or https:\/\/ URL without a user name or password/ },
    {
      name: 'a plan step naming an unknown series',
      args: ['--plan', 'bad'],
      extra: { release: { watch: { plans: { bad: { steps: [{ name: 'x', at: '1m', judge: { kind: 'trend', series: 'heap', maxSlopePerMinute: 1 } }] } } } } },
      // Caught by fleet validation, before any plan is resolved.
      message: /release\.watch\.plans\.bad\.steps\[0\]\.judge\.series: expected a series name: one of memory, dbPool, received "heap"/,
    },
    {
      name: 'service metrics naming a _bucket series and an unknown unit, and a plan tolerance above 1',
      args: [],
      extra: { release: { watch: { serviceMetrics: { duration: { metric: 'api_latency_bucket', unit: 'minutes' as 'seconds' } }, plans: { default: { maxProbeErrorRate: 2, steps: [{ name: 'x', at: '0s', judge: { kind: 'errorRate', max: 0 } }] } } } } },
      message: /serviceMetrics\.duration\.metric: expected the histogram family name without _bucket[\s\S]*serviceMetrics\.duration\.unit: expected seconds or milliseconds[\s\S]*plans\.default\.maxProbeErrorRate: expected a fraction from 0 to 1/,
    },
  ];
  for (const row of usage) {
    it(`exits 2 on ${row.name}`, async () => {
      const service = await startRegressionService();
      try {
        const run = await watchAgainst(service, row.args, row.extra);
        expect(run.code).toBe(2);
        expect(run.err).toMatch(row.message);
        expect(service.requests).toHaveLength(0);
      } finally {
        await service.close();
      }
    });
  }
});
