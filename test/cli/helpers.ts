// Drives the built CLI as a user's shell would: a child process, real exit codes, real streams.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Check, Fleet } from '../../lib/model/fleet.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'bin', 'probe-fleet.js');
export const ANSI = /\u001b\[/;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`expected the built CLI at ${CLI}, received no file: run \`npx tsc -p tsconfig.build.json\` (npm test builds first)`);
}

export function runCli(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; killAfterMs?: number; onSpawn?: (child: ReturnType<typeof spawn>) => void },
): Promise<CliRun> {
  const started = performance.now();
  return new Promise((done, fail) => {
    // A clean environment: no PROBE_SECRET_* or NO_COLOR leaking in from the machine running the tests.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env };
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // A hung CLI fails the test instead of hanging the suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 30_000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      done({ code, signal, stdout, stderr, elapsedMs: performance.now() - started });
    });
    opts.onSpawn?.(child);
  });
}

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'probe-fleet-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A complete check: every field on-call needs, so only what a test is about differs. */
export function check(id: string, extra: Record<string, unknown>): Check {
  return {
    kind: 'http',
    id,
    name: `Check ${id}`,
    service: 'shop-api',
    owner: 'team-shop',
    runbook: `https://runbooks.example.com/${id}`,
    rollbackNote: `roll back shop-api (${id})`,
    expect: `${id} answers as expected`,
    severity: 'critical',
    ...extra,
  } as Check;
}

export function fleetFor(baseUrl: string, checks: Check[], extra: Partial<Fleet> = {}): Fleet {
  return {
    name: 'cli-test',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1'],
    defaults: { timeoutMs: 5_000, rateLimit: { requestsPerSecond: 100, burst: 50 } },
    environments: { local: { baseUrl, sandbox: false } },
    checks,
    ...extra,
  };
}

export function writeFleet(dir: string, fleet: Fleet, name = 'probes.config.json'): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(fleet, null, 2));
  return file;
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

/** A handler that records what crossed the wire before answering. */
export function recording(seen: SeenRequest[], answer: http.RequestListener): http.RequestListener {
  return (req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    answer(req, res);
  };
}
