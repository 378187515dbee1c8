// The watch's bad-deploy matrix: the built-in plan against scripted services on 127.0.0.1, on a
// compressed clock (plan time runs SCALE times faster; the service's clock starts at the watch's
// first request, so both agree however long the watch took to start). Every case asserts the
// verdict, the step at which it is reached and the exit code. Change points sit at least a
// minute of plan time (240 ms of wall time) from any step, and the SLOs leave room for a loaded
// machine, so the step reached does not depend on how fast this machine is. A few cases run the
// real CLI in its own process.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchCommand } from '../../lib/cli/commands/watch.js';
import type { WatchOutcome } from '../../lib/release/watch.js';
import { runNode } from '../support/runNode.js';
import type { ScriptedService, ServiceScript, Traffic } from '../support/scriptedService.js';
import { BASE_MEMORY, BASE_POOL, HEALTHY_TRAFFIC, startScriptedService, wobble } from '../support/scriptedService.js';
import { captureIO, check, fleet, tempDir, writeFleet } from './helpers.js';

const SCALE = 250;
const MINUTE = 60_000;
const STEPS = ['error rate baseline', 'p95 latency within SLO', 'memory trend stable', 'DB connection pool not growing', 'no memory creep'] as const;
const AT = ['T+0s', 'T+2m', 'T+5m', 'T+10m', 'T+30m'] as const;

let tmp: ReturnType<typeof tempDir>;
beforeAll(async () => {
  tmp = tempDir();
  // Warm the loader and the HTTP client once, so the first case measures the service, not imports.
  const service = await startScriptedService({ timeScale: SCALE, script: {} });
  try {
    await watchInProcess(service, ['--plan', 'warm'], { release: { watch: { plans: { warm: { steps: [{ name: 'warm', at: '0s', judge: { kind: 'errorRate', max: 1 } }] } } } } });
  } finally {
    await service.close();
  }
});
afterAll(() => tmp.remove());

function fleetFile(service: ScriptedService, extra: Parameters<typeof fleet>[2] = {}): string {
  const checks = [
    // Real milliseconds: a loaded test machine answers a local request in well under 1 s.
    check('products', { degradedMs: 1000, maxMs: 4000 }),
    check('search', { url: '/search?q=lamp', degradedMs: 1000, maxMs: 4000 }),
    check('health', { url: '/health', degradedMs: 1000, maxMs: 4000 }),
  ];
  return writeFleet(tmp.dir, fleet({ production: service.url }, checks, extra), `fleet-${Math.random().toString(36).slice(2)}.json`);
}

interface Run {
  code: number;
  out: string;
  err: string;
  outcome: WatchOutcome;
}

async function watchInProcess(service: ScriptedService, args: string[] = [], extra: Parameters<typeof fleet>[2] = {}): Promise<Run> {
  const json = join(tmp.dir, `watch-${Math.random().toString(36).slice(2)}.json`);
  const io = captureIO(tmp.dir);
  const code = await watchCommand.run(['--config', fleetFile(service, extra), '--time-scale', String(SCALE), '--request-log', join(tmp.dir, 'requests.jsonl'), '--json', json, ...args], io);
  const outcome = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as WatchOutcome) : ({} as WatchOutcome);
  return { code, out: io.out(), err: io.err(), outcome };
}

/** The real CLI (dist/, built by `npm test` before the suite) in a process of its own. */
async function watchCli(service: ScriptedService, scale: number): Promise<Run> {
  const cli = resolve('dist/bin/probe-fleet.js');
  if (!existsSync(cli)) throw new Error(`expected the built CLI at ${cli} (npm run build), received no file`);
  const json = join(tmp.dir, `cli-${Math.random().toString(36).slice(2)}.json`);
  const args = ['watch', '--config', fleetFile(service), '--time-scale', String(scale), '--request-log', join(tmp.dir, 'cli-requests.jsonl'), '--json', json];
  const script = join(tmp.dir, `cli-${Math.random().toString(36).slice(2)}.mjs`);
  await writeFile(script, `process.argv.splice(2, Infinity, ...${JSON.stringify(args)});\nawait import(${JSON.stringify(pathToFileURL(cli).href)});\n`);
  const run = await runNode(script, { PATH: process.env.PATH, NO_COLOR: '1' });
  const outcome = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as WatchOutcome) : ({} as WatchOutcome);
  return { code: run.code ?? -1, out: run.stdout, err: run.stderr, outcome };
}

const minutes = (tMs: number): number => tMs / MINUTE;
const steady = (): Traffic => HEALTHY_TRAFFIC;
const fails503 = { status: 503, body: { error: 'upstream unavailable' } };

interface Case {
  name: string;
  script: ServiceScript;
  /** Index into STEPS of the unhealthy step; null: the deploy must pass. */
  stopsAt: number | null;
  /** What the deciding line must say. */
  reason?: RegExp;
}

const CASES: Case[] = [
  { name: 'a healthy deploy passes all five steps', script: { traffic: steady }, stopsAt: null },
  {
    name: 'probes answering 503 from T+1m (230 of 240 requests over the watch) stop it at T+2m',
    script: { traffic: steady, paths: Object.fromEntries(['/products', '/search', '/health'].map((p) => [p, ({ tMs }) => (tMs >= MINUTE ? fails503 : { status: 200 })])) },
    stopsAt: 1,
    reason: /^\[ERROR RATE\] worst check \w+ \(\d+\.\d%, \d+ of \d+ probes\) <= 5\.0% per check.*HTTP 503/,
  },
  {
    name: 'one check failing 1 in 3 from T+1m stops it at T+2m',
    script: { traffic: steady, paths: { '/search': ({ tMs, n }) => (tMs >= MINUTE && n % 3 === 2 ? fails503 : { status: 200 }) } },
    stopsAt: 1,
    reason: /^\[ERROR RATE\] worst check search /,
  },
  {
    name: "5xx only in the service's own counter, from the deploy, stop it at T+0",
    script: { traffic: () => ({ ...HEALTHY_TRAFFIC, errorShare: 0.2 }) },
    stopsAt: 0,
    reason: /^\[SERVICE 5XX\] http_requests_total \(20\.0%, \d+ of \d+ requests\) <= 1\.0%/,
  },
  {
    name: "a burst of 4,800 5xx in the service's own counter from T+1m to T+3m stops it at T+2m",
    script: { traffic: (t) => (t >= MINUTE && t < 3 * MINUTE ? { ...HEALTHY_TRAFFIC, errorShare: 0.4 } : HEALTHY_TRAFFIC) },
    stopsAt: 1,
    reason: /^\[SERVICE 5XX\] http_requests_total \(\d+\.\d%, \d+ of \d+ requests\) <= 1\.0%/,
  },
  {
    name: "a latency regression only in the service's own histogram stops it at T+2m",
    script: { traffic: () => ({ ...HEALTHY_TRAFFIC, latenciesSeconds: [1.2, 1.5, 1.8, 2.1, 2.4] }) },
    stopsAt: 1,
    // All in the (1 s, 2.5 s] bucket: 1 + 1.5 × 0.95 s. Held to the largest check SLO (1 s).
    reason: /^\[SERVICE P95\] http_request_duration_seconds 2425 ms > 1000 ms/,
  },
  {
    name: 'a memory leak (5% a minute) stops it at T+5m',
    script: { traffic: steady, memoryBytes: (t) => BASE_MEMORY * (1 + 0.05 * minutes(t)) + wobble(t, BASE_MEMORY) },
    stopsAt: 2,
    // 5 % of the starting value a minute, relative to the later half's median (≈ 1.19×): ≈ 4.2 %.
    reason: /^\[TREND memory\] \([34]\.\d{3}%\/min of median/,
  },
  {
    name: 'a DB pool growing 2 connections a minute stops it at T+10m',
    script: { traffic: steady, poolConnections: (t) => BASE_POOL + 2 * minutes(t) },
    stopsAt: 3,
    reason: /^\[TREND dbPool\] \([12]\.\d{3}\/min\) <= 0\.500\/min/,
  },
  {
    name: 'slow creep (0.5% a minute) passes T+5m and stops it at T+30m',
    script: { traffic: steady, memoryBytes: (t) => BASE_MEMORY * (1 + 0.005 * minutes(t)) + wobble(t, BASE_MEMORY) },
    stopsAt: 4,
    reason: /^\[TREND memory\] \(0\.4\d{2}%\/min of median/,
  },
  {
    name: 'a warm-up (memory +10% a minute for 3 minutes, then flat) passes',
    script: { traffic: steady, memoryBytes: (t) => BASE_MEMORY * (1 + 0.1 * Math.min(minutes(t), 3)) + wobble(t, BASE_MEMORY) },
    stopsAt: null,
  },
  {
    name: 'a restart at T+4m resets the counters (0.5% 5xx throughout): not an error burst, passes',
    script: { traffic: () => ({ ...HEALTHY_TRAFFIC, errorShare: 0.005 }), restartsAtMs: [4 * MINUTE] },
    stopsAt: null,
  },
];

function expectVerdict(run: Run, row: Pick<Case, 'stopsAt' | 'reason'>): void {
  const steps = run.outcome.steps ?? [];
  const context = run.out + run.err;
  if (row.stopsAt === null) {
    expect(run.code, context).toBe(0);
    expect(steps.map((s) => [s.step, s.verdict])).toEqual(STEPS.map((s) => [s, 'healthy']));
    expect(run.out).toContain('Watch: healthy: all 5 steps of plan default passed (exit 0');
    return;
  }
  expect(run.code, context).toBe(1);
  expect(steps.map((s) => s.step), context).toEqual(STEPS.slice(0, row.stopsAt + 1));
  expect(steps.slice(0, -1).every((s) => s.verdict === 'healthy'), context).toBe(true);
  const last = steps.at(-1)!;
  expect(last.verdict).toBe('unhealthy');
  if (row.reason) expect(last.detail, context).toMatch(row.reason);
  expect(run.out).toContain(`Watch: unhealthy at ${AT[row.stopsAt]!} '${STEPS[row.stopsAt]!}': roll back (exit 1`);
}

// One at a time: concurrent watches in one worker would measure each other's stalls as latency.
describe('watch bad-deploy matrix, default plan, in process', () => {
  for (const row of CASES) {
    it(row.name, async () => {
      const service = await startScriptedService({ timeScale: SCALE, script: row.script });
      try {
        const run = await watchInProcess(service);
        expectVerdict(run, row);
        // The service's own metrics were found and read, and every probe was marked synthetic.
        expect(run.out).toContain('service metrics read: http_requests_total{code=~"5.."}, http_request_duration_seconds_bucket');
        expect(service.requests.length).toBeGreaterThan(0);
        expect(service.requests.every((r) => r.synthetic)).toBe(true);
      } finally {
        await service.close();
      }
    });
  }

  it('errors from T+1m: the probes kept running through the failure, 3 checks a round', async () => {
    const service = await startScriptedService({ timeScale: SCALE, script: CASES[1]!.script });
    try {
      const run = await watchInProcess(service);
      expect(run.code).toBe(1);
      const failing = service.requests.filter((r) => r.tMs >= MINUTE && r.tMs <= 2 * MINUTE);
      expect(failing.length).toBeGreaterThanOrEqual(3);
      expect(failing.every((r) => r.status === 503)).toBe(true);
    } finally {
      await service.close();
    }
  });

  it('the restart case counted the traffic across the reset (about 100 requests a second)', async () => {
    const service = await startScriptedService({ timeScale: SCALE, script: CASES.at(-1)!.script });
    try {
      const run = await watchInProcess(service);
      expect(run.code, run.out + run.err).toBe(0);
      // T+5m covers T+0..T+5m with the restart at T+4m inside: ≈ 30,000 requests, 0.5 % of them 5xx.
      const detail = run.outcome.steps[2]!.detail;
      const counted = /\[SERVICE 5XX\] http_requests_total \((\d+\.\d)%, (\d+) of (\d+) requests\)/.exec(detail);
      expect(counted, detail).not.toBeNull();
      expect(Number(counted![1])).toBe(0.5);
      expect(Number(counted![3])).toBeGreaterThan(25_000);
      expect(Number(counted![3])).toBeLessThan(35_000);
    } finally {
      await service.close();
    }
  });

  it('a service without request metrics is judged on probes and gauges alone, and says so', async () => {
    const service = await startScriptedService({ timeScale: SCALE, script: { withoutRequestMetrics: true, memoryBytes: (t) => BASE_MEMORY * (1 + 0.05 * minutes(t)) } });
    try {
      const run = await watchInProcess(service);
      expectVerdict(run, { stopsAt: 2, reason: /^\[TREND memory\]/ });
      expect(run.outcome.steps.some((s) => s.detail.includes('SERVICE'))).toBe(false);
      expect(run.out).toContain('service metrics read: request counter (detecting), latency histogram (detecting)');
    } finally {
      await service.close();
    }
  });
});

describe('watch bad-deploy matrix, the real CLI in its own process', () => {
  const cli: { case: Case; scale: number }[] = [
    { case: CASES[3]!, scale: SCALE },
    { case: CASES[6]!, scale: SCALE },
    { case: CASES[9]!, scale: SCALE },
  ];
  for (const row of cli) {
    it(`${row.case.name} (exit ${row.case.stopsAt === null ? 0 : 1})`, async () => {
      const service = await startScriptedService({ timeScale: row.scale, script: row.case.script });
      try {
        const run = await watchCli(service, row.scale);
        expectVerdict(run, row.case);
      } finally {
        await service.close();
      }
    });
  }
});
