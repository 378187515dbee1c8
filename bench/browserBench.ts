// `npm run bench:browser`: what a three-step browser journey costs. One JSON object:
//
//   coldMs       the first run in a fresh process: Chromium found (and unpacked from
//                @sparticuz/chromium when the temp directory does not have it yet), launched, the
//                journey run, measured from before the launch to the result.
//   warmMs       later runs with the browser already up, as in a warm Lambda container or one
//                `probe-fleet test` run (median, p95 and max of WARM_RUNS): a new context each.
//   journeyMs    the result's own durationMs (first navigation to the script's end), median.
//   peakRssMb    the sum of each process's peak resident set (VmHWM, Linux /proc) for this Node
//                process and every Chromium process it started: an upper bound, as the peaks need
//                not coincide.
//
// The journey: open /login, sign in (fill, fill, click: a form post declared sideEffects none,
// then a redirect), and check the account page. The site is a Node server on 127.0.0.1.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import type { BrowserCheck, Fleet } from '../lib/model/fleet.js';
import { launchingBrowserProvider } from '../lib/runner/browserLaunch.js';
import { browserScript } from '../lib/runner/browserScript.js';
import { memoryRequestLog } from '../lib/runner/requestLog.js';
import { runCheck } from '../lib/runner/runCheck.js';
import { EnvSecretProvider, Redactor } from '../lib/secrets/secrets.js';

const WARM_RUNS = 20;

const PAGES: Record<string, string> = {
  '/login': '<!doctype html><title>Sign in</title><form method="post" action="/session"><input id="u" name="u"><input id="p" name="p" type="password"><button id="go">Sign in</button></form>',
  '/account': '<!doctype html><title>Account</title><h1 id="welcome">Welcome back</h1>',
};

function startSite(): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST') res.writeHead(303, { location: '/account' }).end();
      else if (PAGES[req.url ?? ''] !== undefined) res.writeHead(200, { 'content-type': 'text/html' }).end(PAGES[req.url ?? '']);
      else res.writeHead(404).end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => server.close() });
    });
  });
}

/** Peak RSS in MB of this process and all its descendants (Linux only; null elsewhere). */
function peakRssMb(): number | null {
  if (!existsSync('/proc/self/status')) return null;
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (ppid !== undefined) parents.set(Number(entry), Number(ppid));
    } catch {
      // The process ended while we looked.
    }
  }
  const ours = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = parents.get(p), hops++) if (p === process.pid) return true;
    return false;
  };
  let kb = 0;
  for (const pid of parents.keys()) {
    if (!ours(pid)) continue;
    try {
      kb += Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone.
    }
  }
  return Math.round(kb / 102.4) / 10;
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const round = (ms: number): number => Math.round(ms * 10) / 10;

async function main(): Promise<void> {
  const site = await startSite();
  const check: BrowserCheck = {
    kind: 'browser', id: 'sign-in', name: 'sign in', service: 'bench', owner: 'bench', runbook: 'https://runbooks.example.test/bench',
    rollbackNote: 'none', expect: 'the account page', severity: 'info', url: '/login', secrets: ['bench-password'],
    sideEffects: { kind: 'none', reason: 'a sign-in keeps nothing' }, timeoutMs: 30_000,
    script: browserScript(async ({ page, values, expect, step }) => {
      await step('sign in', async () => {
        await page.fill('#u', 'bench-user');
        await page.fill('#p', await values.secret('bench-password'));
        await page.click('#go');
      });
      await step('account', async () => {
        await expect(page.locator('#welcome')).toHaveText('Welcome back');
      });
    }),
  };
  const fleet: Fleet = { name: 'bench', homeRegion: 'eu-west-1', regions: ['eu-west-1'], environments: { local: { baseUrl: site.url } }, checks: [check] };
  const browser = launchingBrowserProvider();
  const redactor = new Redactor();
  const run = () =>
    runCheck(
      { check, environment: 'local' },
      { fleet, runId: 'bench', location: 'local', secrets: new EnvSecretProvider({ PROBE_SECRET_BENCH_PASSWORD: 'bench-secret-1' }, redactor), redactor, requestLog: memoryRequestLog(), browser },
    );
  try {
    const coldStart = performance.now();
    const cold = await run();
    const coldMs = performance.now() - coldStart;
    if (!cold.ok) throw new Error(`the journey failed: ${cold.failure?.message ?? ''}`);
    const warm: number[] = [];
    const journey: number[] = [cold.durationMs];
    for (let i = 0; i < WARM_RUNS; i++) {
      const t = performance.now();
      const result = await run();
      warm.push(performance.now() - t);
      journey.push(result.durationMs);
      if (!result.ok) throw new Error(`warm run ${i} failed: ${result.failure?.message ?? ''}`);
    }
    warm.sort((a, b) => a - b);
    journey.sort((a, b) => a - b);
    const out = {
      journey: 'open /login, sign in (form post + 303), check the account page',
      chromium: process.env.PROBE_FLEET_CHROMIUM ? 'PROBE_FLEET_CHROMIUM' : '@sparticuz/chromium',
      coldMs: round(coldMs),
      warmMs: { median: round(quantile(warm, 0.5)), p95: round(quantile(warm, 0.95)), max: round(warm.at(-1) ?? Number.NaN), runs: WARM_RUNS },
      journeyMs: { median: round(quantile(journey, 0.5)) },
      peakRssMb: peakRssMb(),
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await browser.close();
    site.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:browser failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
