// In-process drivers for the release commands: a CliIO that captures what a user would see,
// and fleet files written the way a user would write them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../../lib/cli/command.js';
import type { Check, Fleet } from '../../lib/model/fleet.js';

export interface CapturedIO extends CliIO {
  out(): string;
  err(): string;
  abort(): void;
}

export function captureIO(cwd: string, env: NodeJS.ProcessEnv = {}): CapturedIO {
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  return {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
    env,
    cwd,
    signal: controller.signal,
    out: () => stdout,
    err: () => stderr,
    abort: () => controller.abort(),
  };
}

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'probe-fleet-release-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function check(id: string, extra: Partial<Check> & Record<string, unknown> = {}): Check {
  return {
    kind: 'http',
    id,
    name: `Check ${id}`,
    service: 'shop',
    owner: 'team-shop',
    runbook: `https://runbooks.example.com/${id}`,
    rollbackNote: `roll back shop (${id})`,
    expect: `${id} answers as expected`,
    severity: 'critical',
    tags: ['smoke'],
    url: '/products?limit=2',
    ...extra,
  } as Check;
}

export function fleet(environments: Record<string, string>, checks: Check[], extra: Partial<Fleet> = {}): Fleet {
  return {
    name: 'release-test',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1'],
    defaults: { timeoutMs: 5_000, rateLimit: { requestsPerSecond: 1000, burst: 200 } },
    environments: Object.fromEntries(Object.entries(environments).map(([name, baseUrl]) => [name, { baseUrl, sandbox: false }])),
    versions: { shop: { path: '/health', jsonPath: '$.version' } },
    checks,
    ...extra,
  };
}

export function writeFleet(dir: string, value: Fleet, name = 'probes.config.json'): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}
