// The demo fleet against the demo service, the way `npm run demo` runs it, and through the
// built CLI with a planted password that must never surface.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoService } from '../../demo/server.js';
import type { DemoService } from '../../demo/server.js';
import type { JsonReport } from '../../lib/reporters/json.js';
import { ANSI, assertBuilt, ROOT, runCli, tempDir } from '../cli/helpers.js';
import { spawn } from 'node:child_process';

const PLANTED = 'demo-Planted-pw-5150';
const CHECK_IDS = ['health', 'login-rejects-wrong-password', 'products', 'sign-in-flow', 'https-certificate', 'dns-localhost', 'banner-port'];

let demo: DemoService;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  assertBuilt();
  tmp = tempDir();
  demo = await startDemoService({ password: PLANTED });
});

afterAll(async () => {
  await demo.close();
  tmp.remove();
});

describe('demo fleet', () => {
  it('passes every check of every kind against the demo service, never showing the password', async () => {
    const env = {
      DEMO_BASE_URL: demo.baseUrl,
      DEMO_HTTPS_URL: demo.httpsUrl,
      DEMO_TCP_PORT: String(demo.tcpPort),
      DEMO_CA_FILE: demo.caFile,
      PROBE_SECRET_DEMO_PASSWORD: PLANTED,
    };
    const config = join(ROOT, 'demo', 'probes.config.ts');
    const run = await runCli(['test', '--config', config, '--reporter', 'junit', '--output', 'demo.xml', '--request-log', 'demo.jsonl'], { cwd: tmp.dir, env });
    expect(run.stderr, run.stdout).toBe('');
    expect(run.code, run.stdout).toBe(0);
    for (const id of CHECK_IDS) expect(run.stdout).toMatch(new RegExp(`[✓~] ${id} \\[local\\]`));
    expect(run.stdout).toContain('7 checks: 7 passed, 0 failed');

    const json = await runCli(['test', '--config', config, '--reporter', 'json', '--request-log', 'demo.jsonl'], { cwd: tmp.dir, env });
    expect(json.code, json.stdout + json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as JsonReport;
    expect(report.results.map((r) => r.checkId).sort()).toEqual([...CHECK_IDS].sort());
    const tls = report.results.find((r) => r.checkId === 'https-certificate');
    expect(tls?.certDaysRemaining).toBeGreaterThanOrEqual(88);

    const log = readFileSync(join(tmp.dir, 'demo.jsonl'), 'utf8');
    expect(log).toContain('"checkId":"sign-in-flow"');
    for (const text of [run.stdout, run.stderr, json.stdout, json.stderr, log, readFileSync(join(tmp.dir, 'demo.xml'), 'utf8')]) {
      expect(text).not.toContain(PLANTED);
      expect(text).not.toMatch(ANSI);
    }
  });

  it('fails, naming the flow step, when the demo service has a different password', async () => {
    const env = {
      DEMO_BASE_URL: demo.baseUrl,
      DEMO_HTTPS_URL: demo.httpsUrl,
      DEMO_TCP_PORT: String(demo.tcpPort),
      DEMO_CA_FILE: demo.caFile,
      PROBE_SECRET_DEMO_PASSWORD: 'not-the-demo-password',
    };
    const run = await runCli(['test', '--config', join(ROOT, 'demo', 'probes.config.ts'), '--grep', 'sign-in', '--request-log', 'demo.jsonl'], { cwd: tmp.dir, env });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✗ sign-in-flow \[local\] [\d.]+ m?s failed  get token › status: expected 200, got 401/);
    expect(run.stdout).not.toContain('not-the-demo-password');
  });

  it('npm run demo: the compiled runner starts the service, runs the fleet and exits 0', async () => {
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'dist', 'demo', 'runDemo.js'), '--request-log', join(tmp.dir, 'run-demo.jsonl')], {
        cwd: tmp.dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(guard);
        resolve({ code, stdout });
      });
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain('7 checks: 7 passed');
  });
});
