// Headless Chromium for the browser tests, from the project's own devDependencies: the binary
// ships inside @sparticuz/chromium (brotli-compressed) and playwright-core drives it. Nothing
// is installed by hand or downloaded, so `npm ci && npm test` runs the browser tests on a
// machine that has Node and nothing else. This is the one place that knows how a browser is
// found and launched; every browser test goes through launchChromium().
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, LaunchOptions } from 'playwright-core';

const PACKAGE = '@sparticuz/chromium';

/**
 * Flags for a headless browser in a container or CI: no sandbox (CI runs as root), no GPU, and
 * nothing that phones home, so a test's only traffic is to its own 127.0.0.1 servers.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-domain-reliability',
];

interface UnpackedBrowser {
  executablePath: string;
  /** The fontconfig file naming the fonts that come with the package (a bare machine may have none). */
  fontconfigFile: string;
}

let unpacked: Promise<UnpackedBrowser> | undefined;

/** The package's version, which names the unpack directory so an upgrade never runs a stale binary. */
function packageVersion(packageEntry: string): string {
  const manifest = JSON.parse(readFileSync(join(packageEntry, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string') throw new Error(`${PACKAGE}: expected a version in its package.json, received ${String(manifest.version)}`);
  return manifest.version;
}

/**
 * Unpacks the packaged Chromium once per machine and package version. The package always unpacks
 * into os.tmpdir() and trusts any file already there, so a half-written binary (an interrupted
 * run, or two test workers at once) would be launched as is. Hence: unpack in a child process
 * whose TMPDIR is a fresh staging directory, then rename that directory into place; a rename is
 * atomic, and a worker that loses the race drops its copy and uses the winner's.
 */
async function unpack(): Promise<UnpackedBrowser> {
  // Resolved from this file, as the tests resolve every dependency (not from the working directory).
  const entry = createRequire(import.meta.url).resolve(PACKAGE);
  const dir = join(tmpdir(), `probe-fleet-chromium-${packageVersion(entry)}`);
  const executablePath = join(dir, 'chromium');
  const fontconfigFile = join(dir, 'fonts.conf');
  if (existsSync(fontconfigFile)) return { executablePath, fontconfigFile };

  const staging = mkdtempSync(join(tmpdir(), 'probe-fleet-chromium-unpack-'));
  try {
    const script = `import(${JSON.stringify(pathToFileURL(entry).href)}).then((m) => m.default.executablePath()).then((p) => process.stdout.write(p))`;
    const printed = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, TMPDIR: staging },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve(stdout);
        else reject(new Error(`${PACKAGE}: unpacking the browser failed: expected exit 0, received ${String(code)}: ${stderr.trim()} (a retry is safe; the staging directory is discarded)`));
      });
    });
    if (printed !== join(staging, 'chromium')) {
      throw new Error(`${PACKAGE}: expected the browser unpacked at ${join(staging, 'chromium')}, received ${JSON.stringify(printed)}`);
    }
    // The package's own fonts.conf names fixed Lambda paths; this one names where the fonts are.
    // Written last: its presence marks a complete unpack.
    writeFileSync(
      join(staging, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(dir, 'fonts')}</dir>\n  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
    );
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another worker renamed its complete copy first: use that one.
      if (!existsSync(fontconfigFile)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { executablePath, fontconfigFile };
}

/** The packaged Chromium's executable, unpacked on first use (about 2 s, then cached on disk). */
export async function chromiumExecutable(): Promise<UnpackedBrowser> {
  unpacked ??= unpack().catch((error: unknown) => {
    unpacked = undefined;
    throw error;
  });
  return unpacked;
}

/** Launches headless Chromium from the project's own dependencies. Close the browser when done. */
export async function launchChromium(options: Omit<LaunchOptions, 'executablePath'> = {}): Promise<Browser> {
  const { executablePath, fontconfigFile } = await chromiumExecutable();
  return chromium.launch({
    headless: true,
    ...options,
    executablePath,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    env: { ...process.env, ...options.env, FONTCONFIG_FILE: fontconfigFile },
  });
}
