// Helpers for the monitor's end-to-end tests: a fleet file pointed at a live demo service,
// the CLI in-process (for what it prints and notifies) and as a child process (to kill it).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { main } from '../../lib/cli/main.js';
import type { Fleet } from '../../lib/model/fleet.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeFleet(dir: string, fleet: Fleet): string {
  const file = join(dir, 'fleet.json');
  writeFileSync(file, JSON.stringify(fleet, null, 2));
  return file;
}

export const TEAM = {
  owner: 'team-storefront (#storefront-oncall)',
  rollbackNote: 'Roll back with `deploy rollback demo-shop`.',
} as const;

export interface InProcessMonitor {
  output: () => string;
  lines: () => string[];
  stop: () => Promise<number>;
  /** Resolves with the status page URL once the monitor printed it. */
  url: Promise<string>;
}

/** Runs `probe-fleet monitor` through the real CLI entry, in this process. */
export function monitorInProcess(args: string[], env: NodeJS.ProcessEnv, cwd: string): InProcessMonitor {
  const controller = new AbortController();
  let out = '';
  let resolveUrl!: (url: string) => void;
  const url = new Promise<string>((resolve) => (resolveUrl = resolve));
  const stdout = {
    write(text: string) {
      out += text;
      const match = /status page: (http:\/\/\S+)/.exec(out);
      if (match) resolveUrl(match[1]!.replace(/\/$/, ''));
      return true;
    },
  };
  let err = '';
  const done = main(['monitor', ...args], { stdout, stderr: { write: (t: string) => (err += t) }, env, cwd, signal: controller.signal });
  void done.then(() => resolveUrl(`(monitor exited before serving: ${err})`));
  return {
    output: () => out + err,
    lines: () => out.split('\n'),
    url,
    stop: async () => {
      controller.abort(new Error('SIGTERM'));
      return done;
    },
  };
}

/** Waits until `predicate` holds, polling; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The CLI bundled once per test file (dependencies stay external and resolve from the project). */
export async function bundleCli(): Promise<string> {
  const dir = join(process.cwd(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  const out = join(mkdtempSync(join(dir, 'cli-bundle-')), 'probe-fleet.mjs');
  await build({
    entryPoints: ['bin/probe-fleet.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    packages: 'external',
    logLevel: 'silent',
  });
  return out;
}

/** Result ids the monitor reported (`… #<id>` on each result line). */
export function reportedIds(text: string): string[] {
  const ids: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^\S+ {2}(PASS|FAIL|SLOW|SKIP) \S+ \d+ms #(\S+)/.exec(line);
    if (match) ids.push(match[2]!);
  }
  return ids;
}
