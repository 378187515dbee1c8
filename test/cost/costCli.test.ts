// `probe-fleet cost` end to end: the built CLI (`npx tsc -p tsconfig.build.json` first; `npm test`
// builds before it runs the tests) in a child process, reading real config files.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostEstimate } from '../../lib/cost/estimate.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'bin', 'probe-fleet.js');
const FLEET100 = join(ROOT, 'test', 'cost', 'fixtures', 'fleet100.config.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cost(args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, 'cost', ...args], { cwd, timeout: 30_000, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

let scratch = '';

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -p tsconfig.build.json\` before these tests`);
  scratch = await mkdtemp(join(tmpdir(), 'probe-fleet-cost-'));
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('probe-fleet cost (built CLI)', () => {
  it('prints the estimate of the 100-check, 3-region, 1-minute fleet as JSON', async () => {
    const run = await cost(['--config', FLEET100, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const estimate = JSON.parse(run.stdout) as CostEstimate;
    expect(estimate.fleet).toBe('fleet100');
    expect(estimate.counts).toMatchObject({ checks: 100, targets: 100, regions: 3, compositeAlarms: 10 });
    // 100 checks × 3 regions × 43,800 runs
    expect(estimate.counts.checkRunsPerMonth).toBe(13_140_000);
    // (Success, Duration, Degraded) × 300 + 9 fleet-health metrics + 1 CertificateDaysRemaining (one endpoint)
    expect(estimate.lines.find((l) => l.id === 'custom-metrics')).toMatchObject({ quantity: 910, monthlyUsd: 273 });
    // availability 300 + latency 300 + certificate 2 (one endpoint) + heartbeat 3 + the topics'
    // dead-letter alarm 1 + fleet health 63 (12 shards × 4 + 3 regions × 5)
    expect(estimate.counts.alarmMetrics).toBe(669);
    // 100 targets × 3 regions at 25 a shard: 4 shards a region, 256 MB each (measured, bench:lambda)
    expect(estimate.shards.map((s) => s.memoryMb)).toEqual(Array.from({ length: 12 }, () => 256));
    expect(estimate.synthetics.canaries).toBe(300);
    expect(estimate.synthetics.runsUsd).toBeCloseTo(15_768, 6);
    // Per check: 3 canaries × 43,800 runs × $0.0012, beside perCheck.usd.
    expect(estimate.synthetics.perCheck.runsUsd).toBeCloseTo(157.68, 6);
    expect(estimate.synthetics.perCheck.runsWithSameAlarmsUsd).toBeCloseTo(estimate.synthetics.runsWithSameAlarmsUsd / 100, 9);
    expect(estimate.totalUsd).toBeCloseTo(estimate.lines.reduce((t, l) => t + l.monthlyUsd, 0), 9);
    expect(estimate.perCheck.usd).toBeCloseTo(estimate.totalUsd / 100, 9);
    expect(estimate.prices).toMatchObject({ region: 'us-east-1', readOn: '2026-11-22', hoursPerMonth: 730 });
    expect(estimate.freeTier).toBe(false);
  });

  it('prints a readable table with the total, the per-check figure and Synthetics beside it', async () => {
    const run = await cost(['--config', FLEET100]);
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/^Total\s+\$\d[\d,]*\.\d\d$/m);
    expect(out).toMatch(/^Per check \(total ÷ 100 targets\)\s+\$\d+\.\d\d$/m);
    expect(out).toMatch(/^Custom metrics\s+910 metrics\s+\$0\.30 per metric-month \(tiered average\)\s+\$273\.00$/m);
    expect(out).toMatch(/300 canaries, 13,140,000 runs × \$0\.0012\s+\$15,768\.00/);
    expect(out).toMatch(/per check: canary runs \$157\.68, with the alarms \$\d+\.\d\d\s+\$\d+\.\d\d\s+this fleet, per check/);
    expect(out).toContain('A typical check:');
    expect(out).toMatch(/prod\)?\s+13,140,000 requests\/month/);
  });

  it('applies --free-tier, --memory-mb and --avg-check-ms', async () => {
    const [base, tuned] = await Promise.all([
      cost(['--config', FLEET100, '--json']),
      cost(['--config', FLEET100, '--json', '--free-tier', '--memory-mb', '512', '--avg-check-ms', '250']),
    ]);
    const a = JSON.parse(base.stdout) as CostEstimate;
    const b = JSON.parse(tuned.stdout) as CostEstimate;
    expect(b.freeTier).toBe(true);
    expect(b.assumptions).toMatchObject({ memoryMb: 512, avgCheckMs: 250 });
    const requests = b.lines.find((l) => l.id === 'lambda-requests');
    expect(requests?.freeQuantity).toBe(525_600);
    expect(requests?.monthlyUsd).toBe(0);
    expect(b.totalUsd).toBeLessThan(a.totalUsd);
  });

  it('exits 2 and lists every problem of an invalid fleet definition', async () => {
    const file = join(scratch, 'broken.config.json');
    await writeFile(
      file,
      JSON.stringify({ name: 'broken', homeRegion: 'us-east-1', regions: ['us-east-1'], environments: { prod: { baseUrl: 'https://x.example.com' } }, checks: [{ kind: 'http', id: 'Bad Id' }] }),
    );
    const run = await cost(['--config', file, '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/Invalid fleet definition: \d+ problems/);
    expect(run.stderr).toContain('checks[0]');
  });

  it('exits 2 when the config file does not exist', async () => {
    const run = await cost(['--config', join(scratch, 'missing.config.ts')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('fleet definition not found');
  });

  const badFlags: [string, string[], RegExp][] = [
    ['a memory size that is not a number', ['--memory-mb', 'lots'], /invalid --memory-mb: expected a whole number from 128 to 10240, received "lots"/],
    ['a memory size Lambda does not offer', ['--memory-mb', '64'], /invalid --memory-mb: expected a whole number from 128 to 10240, received "64"/],
    ['a negative check duration', ['--avg-check-ms=-5'], /invalid --avg-check-ms: expected a whole number from 1 to 900000, received "-5"/],
    ['a positional argument', ['extra'], /invalid arguments: expected none \(use --config FILE\), received "extra"/],
    ['an unknown flag', ['--frobnicate'], /Unknown option '--frobnicate'/],
  ];
  for (const [name, args, message] of badFlags) {
    it(`exits 2 on ${name}`, async () => {
      const run = await cost(['--config', FLEET100, ...args]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(message);
    });
  }

  it('documents every flag in --help', async () => {
    const run = await cost(['--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--config', '--json', '--free-tier', '--memory-mb', '--avg-check-ms', '--max-checks-per-shard', '--log-retention-days']) {
      expect(run.stdout).toContain(flag);
    }
  });
});
