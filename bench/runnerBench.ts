// `npm run bench`: what the runner costs and what it adds to what it measures, printed as one
// JSON object. The bench server runs in a child process so that CPU and memory figures are
// the runner's alone. Keep-alive is off on both sides: every check pays its own connect.
//
//   checksPerSecond, cpuMsPerCheck  1000 checks against a 0-delay handler, 8 at a time
//   peakRssMb                       peak resident set size of this process after those 1000 checks
//   addedLatencyMs{Median,P99}      runner's durationMs minus the server's own handling time, for
//                                   150 sequential checks against a handler that waits 100 ms
//   curlAddedLatencyMsMedian        the same figure for curl against the same server (the floor)
//   detail.nodeSocketAddedLatencyMsMedian
//                                   the same figure for a bare node:net socket that writes the
//                                   request on connect and stops at the last body byte: the
//                                   floor for any client written for this Node runtime
import { execFile, fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Check, Fleet } from '../lib/model/fleet.js';
import type { CheckResult } from '../lib/model/result.js';
import type { PlannedCheck, RunOptions } from '../lib/runner/api.js';
import { jsonLinesRequestLog } from '../lib/runner/requestLog.js';
import { runPlan } from '../lib/runner/runPlan.js';
import { createRateLimiterRegistry } from '../lib/runner/tokenBucket.js';
import { EnvSecretProvider, Redactor } from '../lib/secrets/secrets.js';

const HANDLER_DELAY_MS = 100;
// 2 × 150 samples × 100 ms keeps the whole bench under a minute; p99 is the 149th of 150.
const LATENCY_SAMPLES = 150;
const THROUGHPUT_CHECKS = 1000;
const THROUGHPUT_CONCURRENCY = 8;
const WARMUP_CHECKS = 50;

// ---- the bench server (child process) ------------------------------------------------

function serve(): void {
  const handling = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://bench.invalid');
    const answer = (): void => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const key = url.searchParams.get('k');
      if (key !== null) handling.set(key, ms);
      const body = '{"ok":true}';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, 'x-handling-ms': ms.toFixed(3), connection: 'close' });
      res.end(body);
    };
    if (url.pathname === '/delay') setTimeout(answer, HANDLER_DELAY_MS);
    else if (url.pathname === '/handling') {
      const body = JSON.stringify(Object.fromEntries(handling));
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
      res.end(body);
    } else answer();
  });
  server.keepAliveTimeout = 0;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.on('disconnect', () => process.exit(0));
}

function startServerProcess(): Promise<{ child: ChildProcess; base: string }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench server exited early with code ${String(code)}`)));
    child.once('message', (message) => resolve({ child, base: `http://127.0.0.1:${(message as { port: number }).port}` }));
  });
}

// ---- the measuring side --------------------------------------------------------------

function check(id: string, url: string): Check {
  return {
    kind: 'http',
    id,
    name: id,
    service: 'bench',
    owner: 'bench',
    runbook: 'https://runbooks.example.com/bench',
    rollbackNote: 'none',
    expect: 'answers 200',
    severity: 'info',
    url,
    assertions: [{ type: 'status', equals: 200 }],
  };
}

function benchFleet(base: string): Fleet {
  return {
    name: 'bench',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1'],
    // The bench measures the runner, not the rate limiter: make the bucket never wait.
    defaults: { timeoutMs: 10_000, rateLimit: { requestsPerSecond: 1_000_000, burst: 1_000_000 } },
    environments: { bench: { baseUrl: base } },
    checks: [],
  };
}

function options(fleet: Fleet, concurrency: number): RunOptions {
  const redactor = new Redactor();
  // The request log is serialised as the CLI does, then discarded: its cost belongs to a check.
  const discard = { write: (_text: string) => true };
  return {
    fleet,
    runId: 'bench',
    location: 'local',
    secrets: new EnvSecretProvider({}, redactor),
    redactor,
    requestLog: jsonLinesRequestLog(discard),
    concurrency,
    rateLimiters: createRateLimiterRegistry(fleet),
  };
}

function planned(count: number, prefix: string, path: string): PlannedCheck[] {
  return Array.from({ length: count }, (_, i) => ({ check: check(`${prefix}-${i}`, `${path}?k=${prefix}${i}`), environment: 'bench' }));
}

function assertAllPassed(results: CheckResult[], phase: string): void {
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    const first = failed[0]?.failure?.message ?? 'no message';
    throw new Error(`${phase}: expected every check to pass, received ${failed.length} failures (first: ${first}); the figures would be meaningless`);
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function handlingTimes(base: string): Promise<Map<string, number>> {
  const res = await fetch(`${base}/handling`);
  return new Map(Object.entries((await res.json()) as Record<string, number>));
}

function added(samples: { key: string; totalMs: number }[], handling: Map<string, number>): number[] {
  return samples.map(({ key, totalMs }) => {
    const server = handling.get(key);
    if (server === undefined) throw new Error(`the bench server has no handling time for request ${key}`);
    return totalMs - server;
  });
}

/** One curl process for every sample (curl times each transfer itself, so its start-up is not counted). */
function curlSamples(base: string, count: number): Promise<{ key: string; totalMs: number }[] | null> {
  const keys = Array.from({ length: count }, (_, i) => `c${i}`);
  const args = ['-s', '-w', '%{time_total}\\n', ...keys.flatMap((key) => ['-o', '/dev/null', `${base}/delay?k=${key}`])];
  return new Promise((resolve) => {
    execFile('curl', args, { timeout: 60_000 }, (error, stdout) => {
      if (error) {
        process.stderr.write(`curl unavailable or failed (${error.message.split('\n')[0] ?? ''}); curlAddedLatencyMsMedian is null\n`);
        resolve(null);
        return;
      }
      const times = stdout.trim().split('\n').map(Number);
      resolve(keys.map((key, i) => ({ key, totalMs: (times[i] ?? Number.NaN) * 1000 })));
    });
  });
}

/** A bare socket per sample: no HTTP client at all, only what Node itself costs. */
async function nodeSocketSamples(base: string, count: number): Promise<{ key: string; totalMs: number }[]> {
  const { hostname, port } = new URL(base);
  const samples: { key: string; totalMs: number }[] = [];
  for (let i = 0; i < count; i++) {
    const key = `n${i}`;
    const started = performance.now();
    const totalMs = await new Promise<number>((resolve, reject) => {
      const socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
      let received = '';
      socket.once('connect', () => socket.write(`GET /delay?k=${key} HTTP/1.1\r\nhost: ${hostname}:${port}\r\nconnection: close\r\n\r\n`));
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        // The bench server's body is fixed: its last byte ends the sample, as it does for curl.
        if (received.endsWith('{"ok":true}')) {
          const ms = performance.now() - started;
          socket.destroy();
          resolve(ms);
        }
      });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error(`bench server closed sample ${key} before the body ended`)));
    });
    samples.push({ key, totalMs });
  }
  return samples;
}

async function bench(): Promise<void> {
  const { child, base } = await startServerProcess();
  try {
    const fleet = benchFleet(base);

    assertAllPassed(await runPlan(planned(WARMUP_CHECKS, 'w', '/fast'), options(fleet, THROUGHPUT_CONCURRENCY)), 'warm-up');

    // Throughput, CPU and memory over 1000 checks.
    const items = planned(THROUGHPUT_CHECKS, 't', '/fast');
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const throughputResults = await runPlan(items, options(fleet, THROUGHPUT_CONCURRENCY));
    const wallMs = performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    assertAllPassed(throughputResults, 'throughput');
    const peakRssMb = process.resourceUsage().maxRSS / 1024;

    // Added latency: sequential, so nothing queues behind anything else.
    const runnerSamples: { key: string; totalMs: number }[] = [];
    const sequential = options(fleet, 1);
    for (const item of planned(LATENCY_SAMPLES, 'r', '/delay')) {
      const [result] = await runPlan([item], sequential);
      if (!result) throw new Error('runPlan returned no result');
      assertAllPassed([result], 'latency');
      runnerSamples.push({ key: item.check.id.replace('-', ''), totalMs: result.durationMs });
    }
    const curl = await curlSamples(base, LATENCY_SAMPLES);
    const nodeSocket = await nodeSocketSamples(base, LATENCY_SAMPLES);
    const handling = await handlingTimes(base);

    const runnerAdded = added(runnerSamples, handling);
    const curlAdded = curl === null ? null : added(curl, handling);
    const report = {
      checksPerSecond: round(THROUGHPUT_CHECKS / (wallMs / 1000), 1),
      cpuMsPerCheck: round((cpu.user + cpu.system) / 1000 / THROUGHPUT_CHECKS),
      addedLatencyMsMedian: round(quantile(runnerAdded, 0.5)),
      addedLatencyMsP99: round(quantile(runnerAdded, 0.99)),
      curlAddedLatencyMsMedian: curlAdded === null ? null : round(quantile(curlAdded, 0.5)),
      peakRssMb: round(peakRssMb, 1),
      detail: { nodeSocketAddedLatencyMsMedian: round(quantile(added(nodeSocket, handling), 0.5)) },
    };
    process.stderr.write(
      `bench: ${THROUGHPUT_CHECKS} checks at concurrency ${THROUGHPUT_CONCURRENCY} in ${round(wallMs, 0)} ms; ` +
        `${LATENCY_SAMPLES} sequential samples against a ${HANDLER_DELAY_MS} ms handler` +
        (curlAdded === null ? '' : `; curl p99 added ${round(quantile(curlAdded, 0.99))} ms`) +
        // Other work on the machine shows up as added latency: say how busy it was.
        `; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`,
    );
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    child.disconnect();
    child.kill();
  }
}

if (process.argv[2] === '--serve') {
  serve();
} else {
  bench().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
