// Wall time of `probe-fleet verify`, in process, against the demo service: the demo fleet's
// critical path (with --expect-version), and 50 checks at two rate limits. Prints one JSON object.
// Run from the repository root after a build: node dist/bench/verifyBench.js
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { verifyCommand } from '../lib/cli/commands/verify.js';
import type { CliIO } from '../lib/cli/command.js';
import type { Check, Fleet } from '../lib/model/fleet.js';
import { DEFAULT_DEMO_PASSWORD, DEMO_VERSION, startDemoService } from '../demo/server.js';

const RUNS = 5;

function quietIO(cwd: string): CliIO & { out: () => string } {
  let text = '';
  return {
    stdout: { write: (t: string) => (text += t) },
    stderr: { write: (t: string) => (text += t) },
    env: { PROBE_SECRET_DEMO_PASSWORD: process.env.PROBE_SECRET_DEMO_PASSWORD },
    cwd,
    signal: new AbortController().signal,
    out: () => text,
  };
}

async function timed(args: string[], cwd: string): Promise<{ ms: number; code: number; output: string }> {
  const io = quietIO(cwd);
  const started = performance.now();
  const code = await verifyCommand.run(args, io);
  return { ms: Math.round((performance.now() - started) * 10) / 10, code, output: io.out() };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function fiftyChecks(baseUrl: string, requestsPerSecond: number): Fleet {
  const checks: Check[] = Array.from({ length: 50 }, (_, i) => ({
    kind: 'http',
    id: `smoke-${String(i + 1).padStart(2, '0')}`,
    name: `Smoke ${i + 1}`,
    service: 'demo-shop',
    owner: 'team-storefront',
    runbook: 'https://runbooks.example.com/demo-shop',
    rollbackNote: 'Roll back demo-shop.',
    expect: 'answers 200 with JSON',
    severity: 'critical',
    tags: ['smoke'],
    url: i % 2 === 0 ? '/health' : '/products?limit=1',
    assertions: [{ type: 'status', equals: 200 }],
  }));
  return {
    name: 'bench-50',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1'],
    defaults: { timeoutMs: 5_000, rateLimit: { requestsPerSecond, burst: Math.min(requestsPerSecond, 10) } },
    environments: { local: { baseUrl, sandbox: false } },
    versions: { 'demo-shop': { path: '/health', jsonPath: '$.version' } },
    checks,
  };
}

async function main(): Promise<void> {
  process.env.PROBE_SECRET_DEMO_PASSWORD ||= DEFAULT_DEMO_PASSWORD;
  const service = await startDemoService();
  const dir = mkdtempSync(join(tmpdir(), 'probe-fleet-verify-bench-'));
  try {
    // The demo config reads its ports from the environment, as `npm run demo` passes them.
    process.env.DEMO_BASE_URL = service.baseUrl;
    process.env.DEMO_HTTPS_URL = service.httpsUrl;
    process.env.DEMO_TCP_PORT = String(service.tcpPort);
    process.env.DEMO_CA_FILE = service.caFile;
    const log = ['--request-log', join(dir, 'requests.jsonl')];

    const demo: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await timed(['--config', resolve(process.cwd(), 'demo/probes.config.ts'), '--env', 'local', '--expect-version', DEMO_VERSION, ...log], dir);
      if (run.code !== 0) throw new Error(`verify of the demo fleet exited ${run.code}:\n${run.output}`);
      demo.push(run.ms);
    }
    const demoChecks = /(\d+) checks?:/.exec(demo.length > 0 ? (await timed(['--config', resolve(process.cwd(), 'demo/probes.config.ts'), '--env', 'local', ...log], dir)).output : '')?.[1];

    const fifty: Record<string, number[]> = {};
    for (const rps of [20, 200]) {
      const config = join(dir, `fifty-${rps}.json`);
      writeFileSync(config, JSON.stringify(fiftyChecks(service.baseUrl, rps)));
      fifty[rps] = [];
      for (let i = 0; i < RUNS; i++) {
        const run = await timed(['--config', config, '--env', 'local', '--expect-version', DEMO_VERSION, ...log], dir);
        if (run.code !== 0) throw new Error(`verify of 50 checks exited ${run.code}:\n${run.output}`);
        fifty[rps].push(run.ms);
      }
    }
    process.stdout.write(
      `${JSON.stringify(
        {
          runs: RUNS,
          smokeBudgetMs: 120_000,
          demoFleetCriticalPathChecks: demoChecks === undefined ? null : Number(demoChecks),
          demoFleetVerifyMsMedian: median(demo),
          demoFleetVerifyMs: demo,
          fiftyChecksAt20rpsMsMedian: median(fifty[20]!),
          fiftyChecksAt20rpsMs: fifty[20],
          fiftyChecksAt200rpsMsMedian: median(fifty[200]!),
          fiftyChecksAt200rpsMs: fifty[200],
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
