// `probe-fleet mute` and `unmute` as built (npm test builds first): help, usage errors, and the
// window and audit lines they write.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MUTES_AUDIT_FILE, MUTES_FILE } from '../../lib/config/maintenanceMutes.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'bin', 'probe-fleet.js');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

let scratch = '';
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -p tsconfig.build.json\` before these tests`);
  scratch = await mkdtemp(join(tmpdir(), 'probe-fleet-mute-'));
});
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('probe-fleet mute / unmute', () => {
  it('--help exits 0 for both', { timeout: 60_000 }, async () => {
    const mute = await cli(['mute', '--help']);
    expect(mute.code).toBe(0);
    expect(mute.stdout).toMatch(/^Usage: probe-fleet mute --service NAME --for DURATION --reason TEXT/);
    const unmute = await cli(['unmute', '--help']);
    expect(unmute.code).toBe(0);
    expect(unmute.stdout).toMatch(/^Usage: probe-fleet unmute --service NAME/);
  });

  it('a mute without a reason or with a duration over 7 days is a usage error (exit 2), nothing written', { timeout: 60_000 }, async () => {
    const run = await cli(['mute', '--service', 'checkout', '--for', '8d', '--data', scratch]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--for/);
    expect(run.stderr).toMatch(/--reason/);
    expect(existsSync(join(scratch, MUTES_FILE))).toBe(false);
  });

  it('mute opens a window for the duration and audits who and why; unmute ends it', { timeout: 60_000 }, async () => {
    const before = Date.now();
    const mute = await cli(['mute', '--service', 'checkout', '--for', '2h', '--reason', 'migration CHG-1234', '--by', 'alice', '--data', scratch]);
    expect(mute.stderr).toBe('');
    expect(mute.code).toBe(0);
    expect(mute.stdout).toMatch(/^muted checkout until \S+ \(mute-checkout-\S+\), by alice: migration CHG-1234\n$/);
    const { windows } = JSON.parse(readFileSync(join(scratch, MUTES_FILE), 'utf8')) as { windows: { services: string[]; start: string; end: string }[] };
    expect(windows).toHaveLength(1);
    expect(windows[0]!.services).toEqual(['checkout']);
    const span = Date.parse(windows[0]!.end) - Date.parse(windows[0]!.start);
    expect(span).toBe(2 * 3_600_000);
    expect(Date.parse(windows[0]!.start)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    const unmute = await cli(['unmute', '--service', 'checkout', '--by', 'bob', '--data', scratch]);
    expect(unmute.code).toBe(0);
    expect(unmute.stdout).toMatch(/^unmuted checkout \(mute-checkout-\S+\), by bob\n$/);
    const again = await cli(['unmute', '--service', 'checkout', '--data', scratch]);
    expect(again.stdout).toBe('no open mute of checkout; nothing changed\n');
    const audit = readFileSync(join(scratch, MUTES_AUDIT_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; by: string; reason: string });
    expect(audit.map((a) => [a.action, a.by, a.reason])).toEqual([
      ['mute', 'alice', 'migration CHG-1234'],
      ['unmute', 'bob', 'ended early'],
    ]);
  });
});
