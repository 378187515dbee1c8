// The canary's bad-deploy matrix: scripted canary and baseline services on 127.0.0.1
// (test/support/scriptedDeploy.ts, seeded, so every run sees the same errors), intervals of
// 100 ms, four checks. Each case asserts the decision, the interval at which it is reached and
// the exit code; error-rate cases also assert that the expected decision is the likely one
// for the deciding check under the schedule (exact odds from lib/release/proportions.ts), so
// no case pins a lucky draw. Requests and intervals are counted, never wall time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryCommand } from '../../lib/cli/commands/canary.js';
import type { CanaryDecision, CanaryReport } from '../../lib/release/canary.js';
import { procedureOdds } from '../../lib/release/proportions.js';
import { assertBuilt, runCli } from '../cli/helpers.js';
import type { DeployScript, ScriptedDeploy } from '../support/scriptedDeploy.js';
import { startScriptedDeploy } from '../support/scriptedDeploy.js';
import { startHttpServer } from '../support/servers.js';
import { captureIO, check, fleet, tempDir, writeFleet } from './helpers.js';

const PATHS = ['/health', '/products', '/cart', '/search'] as const;
const RULE = { tolerance: 0.01, minEffect: 0.01, alpha: 0.05 };
/** The matrix's schedule: 100 runs of each check per interval, 6 intervals, abort on the 3rd failure. */
const RUNS = 100;
const COUNT = 6;
const FAILURE_LIMIT = 2;
const SCHEDULE = ['--interval', '100ms', '--count', String(COUNT), '--failure-limit', String(FAILURE_LIMIT), '--success', '>=0.99', '--alpha', '0.05'];
// Latency on a shared 2-core machine jitters by hundreds of milliseconds under load (both sides
// alike); the latency regression here is 500 ms.
const LATENCY = ['--latency-ratio', '1.5', '--latency-min-delta', '100ms'];

let tmp: ReturnType<typeof tempDir>;
let config: string;
let canary: ScriptedDeploy;
let baseline: ScriptedDeploy;
let refusedUrl: string;

beforeAll(async () => {
  tmp = tempDir();
  const checks = PATHS.map((path) => check(path.slice(1), { url: path, tags: ['smoke', path.slice(1)] }));
  config = writeFleet(
    tmp.dir,
    fleet({ production: 'http://127.0.0.1:9' }, checks, { defaults: { timeoutMs: 5_000, rateLimit: { requestsPerSecond: 10_000, burst: 1_000 }, concurrency: 16 } }),
  );
  canary = await startScriptedDeploy({ seed: 1, paths: {} });
  baseline = await startScriptedDeploy({ seed: 2, paths: {} });
  // A port that was just listening and is closed now: connections are refused, as to a crashed canary.
  const gone = await startHttpServer((_req, res) => res.end());
  refusedUrl = gone.url;
  await gone.close();
});

afterAll(async () => {
  await canary.close();
  await baseline.close();
  tmp.remove();
});

interface Case {
  name: string;
  canary: Omit<DeployScript, 'seed'>;
  baseline: Omit<DeployScript, 'seed'>;
  /** Replaces the canary's URL (a refused port). */
  canaryUrl?: () => string;
  args?: string[];
  decision: CanaryDecision;
  exitCode: number;
  /** The interval at which the decision is reached. */
  interval: number;
  reason: RegExp;
  /** What the deciding measurement says. */
  detail?: RegExp;
  /** For error-rate cases: the deciding check's rates, and the least probability the schedule gives the expected decision. */
  odds?: { canaryRate: number; baselineRate: number; runs?: number; atLeast: number };
}

const everywhere = (errorRate: number, latencyMs = 0): Record<string, { errorRate: number; latencyMs: number }> => ({ '*': { errorRate, latencyMs } });
const oneCheck = (path: string, errorRate: number, others = 0): Record<string, { errorRate: number }> => ({ '*': { errorRate: others }, [path]: { errorRate } });

const CASES: Case[] = [
  {
    name: 'canary down (connection refused) aborts at the third failed interval',
    canary: { paths: {} },
    baseline: { paths: {} },
    canaryUrl: () => refusedUrl,
    decision: 'abort',
    exitCode: 1,
    interval: 3,
    reason: /^success-rate: 3 failed measurements > failure limit 2$/,
    detail: /canary down: 0 of 100 passed \(connect_refused\); baseline 100 of 100 passed/,
  },
  {
    name: 'canary down (503 from the load balancer) aborts at the third failed interval',
    canary: { paths: {}, down: true },
    baseline: { paths: {} },
    decision: 'abort',
    exitCode: 1,
    interval: 3,
    reason: /^success-rate: 3 failed measurements > failure limit 2$/,
    detail: /canary down: 0 of 100 passed \(assertion\)/,
  },
  {
    name: 'k=2 at base 0.2% (0.4% vs 0.2% on /products): below the 1-point minimum effect, promoted',
    canary: { paths: oneCheck('/products', 0.004) },
    baseline: { paths: oneCheck('/products', 0.002) },
    decision: 'promote',
    exitCode: 0,
    interval: COUNT,
    reason: /^6 measurements taken; no metric exceeded its limits$/,
    odds: { canaryRate: 0.004, baselineRate: 0.002, atLeast: 0.95 },
  },
  {
    name: 'k=5 at base 0.2% (1% vs 0.2%): within the success condition and the minimum effect, promoted',
    canary: { paths: oneCheck('/products', 0.01) },
    baseline: { paths: oneCheck('/products', 0.002) },
    decision: 'promote',
    exitCode: 0,
    interval: COUNT,
    reason: /^6 measurements taken/,
    odds: { canaryRate: 0.01, baselineRate: 0.002, atLeast: 0.75 },
  },
  {
    name: 'k=25 at base 0.2% (5% vs 0.2%) aborts',
    canary: { paths: oneCheck('/products', 0.05) },
    baseline: { paths: oneCheck('/products', 0.002) },
    decision: 'abort',
    exitCode: 1,
    interval: 3,
    reason: /^success-rate: 3 failed measurements > failure limit 2$/,
    detail: /^\[ERROR RATE products\] canary \d+\/\d+ \(\d+\.\d%\) \(assertion\) vs baseline \d+\/\d+ \(\d+\.\d%\): Fisher p=\S+ < alpha 0\.05, \+\d+\.\d points >= min effect 1\.0 points: canary worse than baseline \(worst of 4 checks\)$/,
    odds: { canaryRate: 0.05, baselineRate: 0.002, atLeast: 0.99 },
  },
  {
    name: 'k=2 at base 2% (4% vs 2%) aborts with 550 runs per interval (beyond what 100 runs can see)',
    canary: { paths: oneCheck('/products', 0.04) },
    baseline: { paths: oneCheck('/products', 0.02) },
    args: ['--runs-per-interval', '550', '--tags', 'products'],
    decision: 'abort',
    exitCode: 1,
    interval: 3,
    reason: /^success-rate: 3 failed measurements > failure limit 2$/,
    odds: { canaryRate: 0.04, baselineRate: 0.02, runs: 550, atLeast: 0.8 },
  },
  {
    name: 'k=5 at base 2% (10% vs 2%) aborts, not "both degraded"',
    canary: { paths: oneCheck('/products', 0.1) },
    baseline: { paths: oneCheck('/products', 0.02) },
    decision: 'abort',
    exitCode: 1,
    interval: 3,
    reason: /^success-rate: 3 failed measurements > failure limit 2$/,
    odds: { canaryRate: 0.1, baselineRate: 0.02, atLeast: 0.99 },
  },
  {
    name: 'k=25 at base 2% (50% vs 2%) aborts at the third interval',
    canary: { paths: oneCheck('/products', 0.5) },
    baseline: { paths: oneCheck('/products', 0.02) },
    decision: 'abort',
    exitCode: 1,
    interval: 3,
    reason: /^success-rate: 3 failed measurements > failure limit 2$/,
    odds: { canaryRate: 0.5, baselineRate: 0.02, atLeast: 0.99 },
  },
  {
    name: '3% errors on one check of four (pooled: 0.75%) aborts',
    canary: { paths: oneCheck('/cart', 0.03) },
    baseline: { paths: {} },
    decision: 'abort',
    exitCode: 1,
    interval: 4,
    reason: /^success-rate: 3 failed measurements > failure limit 2$/,
    detail: /^\[ERROR RATE cart\]/,
    odds: { canaryRate: 0.03, baselineRate: 0, atLeast: 0.99 },
  },
  {
    name: 'a 500 ms latency regression on one check aborts through latency',
    canary: { paths: { '/search': { latencyMs: 500 } } },
    baseline: { paths: {} },
    // 20 runs are plenty for 500 ms, and keep this case's slow requests from crowding the machine.
    args: ['--runs-per-interval', '20'],
    decision: 'abort',
    exitCode: 1,
    interval: 3,
    reason: /^latency: 3 failed measurements > failure limit 2$/,
    detail: /^\[LATENCY p95 search\] canary \d+\.\d ms \/ baseline \d+\.\d ms = \d+\.\d\d <= 1\.5; Mann-Whitney U=\S+ p=\S+ \((exact|normal)\) < alpha 0\.05: canary slower \(worst of 4 checks\)$/,
  },
  {
    name: 'baseline down: its own verdict, exit 4, once the consecutive-error limit is passed',
    canary: { paths: {} },
    baseline: { paths: {}, down: true },
    decision: 'baseline-down',
    exitCode: 4,
    interval: 5,
    reason: /^the baseline passed nothing in 5 consecutive intervals > consecutive error limit 4: no reference to judge the canary against$/,
    detail: /baseline down: 0 of 100 passed \(assertion\); canary 100 of 100 passed: nothing to compare with/,
  },
  {
    name: 'both sides degraded (10% errors on every check, both sides) is inconclusive',
    canary: { paths: everywhere(0.1) },
    baseline: { paths: everywhere(0.1) },
    decision: 'inconclusive',
    exitCode: 3,
    interval: 1,
    reason: /^success-rate: 1 inconclusive measurements > inconclusive limit 0$/,
    detail: /both above the 1\.0% that >= 0\.99 allows .*: both sides degraded/,
    odds: { canaryRate: 0.1, baselineRate: 0.1, atLeast: 0.85 },
  },
  {
    name: 'both sides down is inconclusive at once',
    canary: { paths: {}, down: true },
    baseline: { paths: {}, down: true },
    decision: 'inconclusive',
    exitCode: 3,
    interval: 1,
    reason: /^success-rate: 1 inconclusive measurements > inconclusive limit 0$/,
    detail: /both sides down: canary 0 of 100 passed \(assertion\), baseline 0 of 100 passed \(assertion\)/,
  },
  {
    name: 'a healthy canary with 0.5% errors beside a 0.5% baseline (every check) is promoted',
    canary: { paths: everywhere(0.005) },
    baseline: { paths: everywhere(0.005) },
    decision: 'promote',
    exitCode: 0,
    interval: COUNT,
    reason: /^6 measurements taken; no metric exceeded its limits$/,
    odds: { canaryRate: 0.005, baselineRate: 0.005, atLeast: 0.99 },
  },
];

async function analyse(row: Case, seed: number): Promise<{ code: number; out: string; err: string; report: CanaryReport }> {
  canary.script({ seed, ...row.canary });
  baseline.script({ seed: seed + 1000, ...row.baseline });
  const io = captureIO(tmp.dir);
  const json = join(tmp.dir, `matrix-${seed}.json`);
  const args = ['--config', config, '--canary', row.canaryUrl?.() ?? canary.url, '--baseline', baseline.url, '--runs-per-interval', String(RUNS), ...SCHEDULE, ...LATENCY, '--mann-whitney'];
  const code = await canaryCommand.run([...args, ...(row.args ?? []), '--request-log', join(tmp.dir, 'requests.jsonl'), '--json', json], io);
  return { code, out: io.out(), err: io.err(), report: JSON.parse(readFileSync(json, 'utf8')) as CanaryReport };
}

describe('canary bad-deploy matrix (in process, scripted services)', () => {
  CASES.forEach((row, index) => {
    it(row.name, async () => {
      if (row.odds) {
        const runs = row.odds.runs ?? RUNS;
        const odds = procedureOdds({ runsPerInterval: runs, count: COUNT, failureLimit: FAILURE_LIMIT, inconclusiveLimit: 0, rule: RULE }, row.odds.canaryRate, row.odds.baselineRate);
        const expected = row.decision === 'abort' ? odds.abort : row.decision === 'promote' ? odds.promote : odds.inconclusive;
        expect(expected, `odds of ${row.decision} for the deciding check: ${JSON.stringify(odds)}`).toBeGreaterThanOrEqual(row.odds.atLeast);
      }
      const run = await analyse(row, 100 + index);
      const last = run.report.intervals.at(-1)!;
      const metric = /^(success-rate|latency):/.exec(run.report.reason)?.[1] ?? 'success-rate';
      const deciding = last.measurements.find((m) => m.metric === metric);
      const summary = `${run.report.decision} at interval ${run.report.intervals.length}: ${run.report.reason}; ${deciding?.detail ?? ''}\n${run.err}`;
      expect(run.report.decision, summary).toBe(row.decision);
      expect(run.code, summary).toBe(row.exitCode);
      expect(run.report.intervals, summary).toHaveLength(row.interval);
      expect(run.report.reason, summary).toMatch(row.reason);
      if (row.detail) expect(deciding?.detail, summary).toMatch(row.detail);
      expect(run.out).toContain(`Decision: ${row.decision === 'baseline-down' ? 'baseline down' : row.decision} (exit ${row.exitCode}) after ${row.interval} interval`);
    });
  });
});

describe('canary bad-deploy matrix through the built CLI', () => {
  const cli: { name: string; canary: Omit<DeployScript, 'seed'>; baseline: Omit<DeployScript, 'seed'>; code: number; line: RegExp }[] = [
    { name: 'canary down', canary: { paths: {}, down: true }, baseline: { paths: {} }, code: 1, line: /^Decision: abort \(exit 1\) after 3 intervals: success-rate: 3 failed measurements > failure limit 2$/m },
    { name: 'baseline down', canary: { paths: {} }, baseline: { paths: {}, down: true }, code: 4, line: /^Decision: baseline down \(exit 4\) after 5 intervals: the baseline passed nothing in 5 consecutive intervals/m },
    { name: 'both degraded', canary: { paths: everywhere(0.1) }, baseline: { paths: everywhere(0.1) }, code: 3, line: /^Decision: inconclusive \(exit 3\) after 1 interval: success-rate: 1 inconclusive measurements > inconclusive limit 0$/m },
    { name: 'healthy at 0.5% on both sides', canary: { paths: everywhere(0.005) }, baseline: { paths: everywhere(0.005) }, code: 0, line: /^Decision: promote \(exit 0\) after 6 intervals: 6 measurements taken; no metric exceeded its limits$/m },
  ];
  for (const [index, row] of cli.entries()) {
    it(`${row.name}: exit ${row.code}`, async () => {
      assertBuilt();
      canary.script({ seed: 500 + index, ...row.canary });
      baseline.script({ seed: 600 + index, ...row.baseline });
      // 40 runs keep the child process quick; these cases are about the process's exit code and output.
      const run = await runCli(['canary', '--config', config, '--canary', canary.url, '--baseline', baseline.url, '--runs-per-interval', '40', ...SCHEDULE, ...LATENCY, '--request-log', join(tmp.dir, 'cli-requests.jsonl')], {
        cwd: tmp.dir,
        killAfterMs: 60_000,
      });
      expect(run.code, run.stdout + run.stderr).toBe(row.code);
      expect(run.stdout).toMatch(row.line);
      // The detection power is printed before the first interval.
      expect(run.stdout).toMatch(/^ {2}detection power \(80% chance to abort\): canary error rate >= \d+\.\d+% beside 0%, >= \d+\.\d+% beside 0\.50%, >= \d+\.\d+% beside 2\.0%$/m);
      expect(run.stdout.indexOf('detection power')).toBeLessThan(run.stdout.indexOf('interval  1'));
    });
  }
});

describe('the field report: 0.5% errors on both sides at 20 runs per interval', () => {
  it('eight analyses with eight seeds promote, none aborts (the threshold rule aborted 3 of 8)', async () => {
    const decisions: string[] = [];
    const errorsPerSeed: number[] = [];
    for (let seed = 0; seed < 8; seed++) {
      canary.script({ seed: 900 + seed, paths: everywhere(0.005) });
      baseline.script({ seed: 950 + seed, paths: everywhere(0.005) });
      const io = captureIO(tmp.dir);
      const code = await canaryCommand.run(
        ['--config', config, '--canary', canary.url, '--baseline', baseline.url, '--runs-per-interval', '20', '--interval', '100ms', '--count', '5', '--failure-limit', '2', '--no-latency', '--request-log', join(tmp.dir, 'requests.jsonl')],
        io,
      );
      decisions.push(`${code}`);
      errorsPerSeed.push([...canary.served.values(), ...baseline.served.values()].reduce((sum, s) => sum + s.errors, 0));
      // The schedule cannot see a 2% canary, and says so.
      expect(io.err()).toContain('warning: 20 runs per interval x 5 intervals cannot support >= 0.99');
    }
    expect(decisions).toEqual(['0', '0', '0', '0', '0', '0', '0', '0']);
    // The services really erred (about 8 errors in each analysis's 1600 requests): these are not promotions of an error-free service.
    expect(errorsPerSeed.reduce((a, b) => a + b, 0)).toBeGreaterThan(20);
  });
});
