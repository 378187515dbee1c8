// `probe-fleet cost` shows each origin's limit beside the most the whole deployed fleet can send
// it in one second: the built CLI (npm test builds first) on fleet definition files.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostEstimate } from '../../lib/cost/estimate.js';
import type { RateLimit } from '../../lib/model/fleet.js';
import { oneOriginFleet } from '../fleetScale/fleets.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'bin', 'probe-fleet.js');

function cost(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, 'cost', ...args], { cwd: ROOT, timeout: 60_000, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

let scratch = '';
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -p tsconfig.build.json\` before these tests`);
  scratch = await mkdtemp(join(tmpdir(), 'probe-fleet-traffic-'));
});
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function fleetFile(name: string, rateLimit: RateLimit): Promise<string> {
  const file = join(scratch, `${name}.json`);
  await writeFile(file, JSON.stringify(oneOriginFleet('https://shop.example.com', { rateLimit }), null, 2));
  return file;
}

describe('probe-fleet cost: traffic per origin', () => {
  it('100 checks × 3 regions × 1 minute at 20/s burst 10: traffic[] names the origin, its limit and peakPerSecond ≤ 30', { timeout: 120_000 }, async () => {
    const file = await fleetFile('fleet', { requestsPerSecond: 20, burst: 10 });
    const json = await cost(['--config', file, '--json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const estimate = JSON.parse(json.stdout) as CostEstimate;
    expect(estimate.traffic).toHaveLength(1);
    const [origin] = estimate.traffic;
    expect(origin).toMatchObject({ origin: 'https://shop.example.com:443', requestsPerSecond: 20, burst: 10, shards: 12, requestsPerRound: 300, environment: 'prod' });
    expect(origin!.peakPerSecond).toBeLessThanOrEqual(30);
    // 300 requests a minute: 13,140,000 a month.
    expect(origin!.requestsPerMonth).toBeCloseTo(13_140_000, 3);
    const table = await cost(['--config', file]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/https:\/\/shop\.example\.com:443 \(prod\)\s+13,140,000 requests\/month\s+300\.0\/min\s+limit 20\/s, burst 10\s+peak 30 in any second/);
  });

  it('a limit the checks cannot fit at their schedules: exit 2, the origin, the checks and the shortfall', { timeout: 120_000 }, async () => {
    const file = await fleetFile('tight', { requestsPerSecond: 2, burst: 5 });
    const run = await cost(['--config', file, '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/defaults\.rateLimit: origin https:\/\/shop\.example\.com:443: checks page-0, .* send 300 requests per round from 12 shards .* every run needs 147\.5 s, but the shortest run window of their schedules is [\d.]+ s \([\d.]+ s short\)/);
  });
});
