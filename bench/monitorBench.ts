// `npm run bench:monitor` (`--scenario restart`, the default): a week of results of 50 checks
// at one minute (504,000) written into a data directory, then `probe-fleet monitor` started on
// it as a child process: prints restartMs (start to status page served), restartPeakRssMb
// (VmHWM then), and maxEventLoopBlockMs (the monitor's own event-loop delay histogram while the
// 50 checks run, after their first 8 s), with the same for the restart itself and for the
// first runs (firstRunsMaxEventLoopBlockMs: one-off loading of the HTTP client).
// `--scenario soak [--duration 600] [--period 1s]`: runs the monitor on the demo fleet against
// the demo service, samples its memory and CPU from /proc once a second, stops it with
// SIGTERM and prints one JSON object.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO_PASSWORD, startDemoService } from '../demo/server.js';
import type { CheckResult } from '../lib/model/result.js';
import { SEGMENTS_DIR, segmentLine, segmentName } from '../lib/monitor/segmentStore.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const cli = join(root, 'dist', 'bin', 'probe-fleet.js');
const config = join(root, 'demo', 'probes.config.ts');


const CHECKS = 50;
/** The first runs after the restart, whose one-off loading is reported apart. */
const WARM_UP_MS = 8_000;
const DAY_MS = 86_400_000;

/** A result as the runner writes it (phases, one assertion), 2% of them failing with a reason. */
function syntheticResult(checkId: string, startMs: number, failing: boolean): CheckResult {
  const durationMs = 80 + ((startMs / 60_000) % 40);
  return {
    checkId,
    environment: 'local',
    location: 'local',
    runId: `${new Date(startMs).toISOString()}-bench`,
    startedAt: new Date(startMs).toISOString(),
    ok: !failing,
    degraded: false,
    durationMs,
    phases: { dnsMs: 1, connectMs: 2, tlsMs: 0, ttfbMs: durationMs - 10, transferMs: 7 },
    status: failing ? 503 : 200,
    bytes: 1432,
    certDaysRemaining: null,
    assertions: [{ type: 'status', ok: !failing, expected: '200', actual: failing ? '503' : '200' } as unknown as CheckResult['assertions'][number]],
    failure: failing ? { kind: 'assertion', message: `GET /orders/${checkId}: status: expected 200, got 503; a retry is safe and may succeed`, retryable: true } as unknown as CheckResult['failure'] : null,
    attempts: 1,
    flaky: false,
  };
}

async function restartBench(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'probe-fleet-restart-bench-'));
  const data = join(root, 'data');
  mkdirSync(join(data, SEGMENTS_DIR), { recursive: true });
  const now = Date.now();
  const first = Math.floor((now - 7 * DAY_MS) / 60_000) * 60_000 + 60_000;
  let written = 0;
  let bytes = 0;
  // One hour's segment at a time, as the store writes them.
  for (let hour = Math.floor(first / 3_600_000) * 3_600_000; hour < now; hour += 3_600_000) {
    const lines: string[] = [];
    for (let t = Math.max(first, hour); t < Math.min(now - 60_000, hour + 3_600_000); t += 60_000) {
      for (let c = 0; c < CHECKS; c++) {
        const checkId = `check-${String(c).padStart(2, '0')}`;
        const failing = (t / 60_000 + c * 7) % 50 === 0;
        lines.push(segmentLine({ id: `${checkId}@local@${new Date(t).toISOString()}`, result: syntheticResult(checkId, t, failing) }));
      }
    }
    if (lines.length === 0) continue;
    const text = lines.join('');
    bytes += Buffer.byteLength(text);
    written += lines.length;
    writeFileSync(join(data, SEGMENTS_DIR, segmentName(hour)), text);
  }
  const service = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((done) => service.listen(0, '127.0.0.1', () => done()));
  const port = (service.address() as AddressInfo).port;
  const fleet = {
    name: 'bench',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1'],
    defaults: { timeoutMs: 2000, retries: { count: 0 }, rateLimit: { requestsPerSecond: 500, burst: 100 } },
    environments: { local: { baseUrl: `http://127.0.0.1:${port}` } },
    checks: Array.from({ length: CHECKS }, (_, c) => ({
      kind: 'http',
      id: `check-${String(c).padStart(2, '0')}`,
      name: `Orders ${c}`,
      service: `svc-${c % 5}`,
      owner: 'team-bench',
      rollbackNote: 'n/a',
      runbook: 'https://runbooks.example/bench',
      expect: 'GET answers 200',
      severity: 'warning',
      url: `/orders/${c}`,
      schedule: '1m',
    })),
  };
  const config = join(root, 'fleet.json');
  writeFileSync(config, JSON.stringify(fleet));
  // The monitor's own event-loop delay, read from inside it: SIGUSR2 reports and resets (at the
  // page being served), exit reports the rest.
  const preload = join(root, 'loop-delay.mjs');
  writeFileSync(
    preload,
    [
      "import { monitorEventLoopDelay } from 'node:perf_hooks';",
      'const h = monitorEventLoopDelay({ resolution: 5 }); h.enable();',
      "process.on('SIGUSR2', () => { process.stderr.write(`LOOP_MAX_MS=${h.max / 1e6}\\n`); h.reset(); });",
      "process.on('exit', () => { process.stderr.write(`LOOP_MAX_MS=${h.max / 1e6}\\n`); });",
    ].join('\n'),
  );
  const runSeconds = Number(values.duration === '600' ? '30' : values.duration);
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', preload, cli, 'monitor', '--config', config, '--port', '0', '--data', data, '--request-log', join(root, 'requests.jsonl'), '--period', values.period ?? '2s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  let restartMs = -1;
  let restartPeakKb = 0;
  while (Date.now() - started < 120_000) {
    await new Promise((r) => setTimeout(r, 5));
    const s = sample(child.pid!);
    if (s) restartPeakKb = Math.max(restartPeakKb, s.hwmKb);
    if (/status page: /.test(out)) {
      restartMs = Date.now() - started;
      break;
    }
    if (child.exitCode !== null) break;
  }
  child.kill('SIGUSR2');
  let peakKb = restartPeakKb;
  const runStarted = Date.now();
  let warmedUp = false;
  while (Date.now() - runStarted < runSeconds * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const s = sample(child.pid!);
    if (s) peakKb = Math.max(peakKb, s.hwmKb);
    // The first runs load and compile what the runner needs (the HTTP client's parser): a
    // one-off, reported apart from the steady state.
    if (!warmedUp && Date.now() - runStarted >= WARM_UP_MS) {
      warmedUp = true;
      child.kill('SIGUSR2');
    }
  }
  const after = sample(child.pid!);
  child.kill('SIGTERM');
  const exitCode = await exited;
  await new Promise<void>((done) => service.close(() => done()));
  const loop = [...err.matchAll(/LOOP_MAX_MS=([\d.]+)/g)].map((m) => Number(m[1]));
  const stored = /(\d+) stored result\(s\)/.exec(out)?.[1];
  rmSync(root, { recursive: true, force: true });
  const round = (n: number): number => Math.round(n * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'monitor-restart',
      checks: CHECKS,
      storedResults: written,
      storeMb: round(bytes / 1048576),
      replayed: stored === undefined ? null : Number(stored),
      restartMs,
      restartPeakRssMb: round(restartPeakKb / 1024),
      // From process start to the page being served, module loading and config worker included.
      restartMaxEventLoopBlockMs: loop[0] === undefined ? null : round(loop[0]),
      firstRunsMaxEventLoopBlockMs: loop[1] === undefined ? null : round(loop[1]),
      maxEventLoopBlockMs: loop[2] === undefined ? null : round(loop[2]),
      runSeconds,
      resultsDuringRun: (out.match(/^\S+ {2}(PASS|FAIL|SLOW|SKIP) /gm) ?? []).length,
      peakRssMbDuringRun: round(peakKb / 1024),
      rssAfterRunMb: after ? round(after.rssKb / 1024) : null,
      exitCode,
    })}\n`,
  );
}

const { values } = parseArgs({ options: { scenario: { type: 'string', default: 'restart' }, duration: { type: 'string', default: '600' }, period: { type: 'string' } } });
const durationS = Number(values.duration);
if (!Number.isFinite(durationS) || durationS <= 0) throw new Error(`--duration: expected seconds > 0, received ${values.duration ?? ''}`);

/** clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const CLK_TCK = 100;

function sample(pid: number): { rssKb: number; hwmKb: number; cpuS: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), cpuS: (utime + stime) / CLK_TCK };
  } catch {
    return null;
  }
}

if (values.scenario === 'restart') {
  await restartBench();
  process.exit(0);
}
if (values.scenario !== 'soak') throw new Error(`--scenario: expected restart or soak, received ${values.scenario ?? ''}`);

const service = await startDemoService();
const data = mkdtempSync(join(tmpdir(), 'probe-fleet-bench-'));
const env = {
  ...process.env,
  PROBE_SECRET_DEMO_PASSWORD: process.env.PROBE_SECRET_DEMO_PASSWORD || DEFAULT_DEMO_PASSWORD,
  DEMO_BASE_URL: service.baseUrl,
  DEMO_HTTPS_URL: service.httpsUrl,
  DEMO_TCP_PORT: String(service.tcpPort),
  DEMO_CA_FILE: service.caFile,
};
const args = [cli, 'monitor', '--config', config, '--port', '0', '--data', join(data, 'store'), '--request-log', join(data, 'requests.jsonl'), ...(values.period ? ['--period', values.period] : [])];
const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
let announced = false;
child.stdout.on('data', (c: Buffer) => {
  out += c.toString('utf8');
  const url = /status page: (\S+)/.exec(out)?.[1];
  if (url && !announced) {
    announced = true;
    process.stderr.write(`monitor status page: ${url} (for ${durationS} s)\n`);
  }
});
child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));

const pid = child.pid!;
let peakRssKb = 0;
let lastRssKb = 0;
let cpuS = 0;
let rssAfterFirstMinuteKb = 0;
const started = Date.now();
while (Date.now() - started < durationS * 1000) {
  await new Promise((r) => setTimeout(r, 1000));
  const s = sample(pid);
  if (!s) break;
  peakRssKb = Math.max(peakRssKb, s.hwmKb, s.rssKb);
  lastRssKb = s.rssKb;
  cpuS = s.cpuS;
  if (rssAfterFirstMinuteKb === 0 && Date.now() - started >= 60_000) rssAfterFirstMinuteKb = s.rssKb;
}
const final = sample(pid);
if (final) {
  cpuS = final.cpuS;
  peakRssKb = Math.max(peakRssKb, final.hwmKb);
}
child.kill('SIGTERM');
const exitCode = await exited;
await service.close();
const results = (out.match(/^\S+ {2}(PASS|FAIL|SLOW|SKIP) /gm) ?? []).length;
const failed = (out.match(/^\S+ {2}FAIL /gm) ?? []).length;
// What the failures were, from the store itself (the monitor's own record).
const failureKinds: Record<string, number> = {};
for (const line of readFileSync(join(data, 'store', 'results.jsonl'), 'utf8').split('\n')) {
  if (line === '') continue;
  const { result } = JSON.parse(line) as { result: { ok: boolean; checkId: string; failure: { kind: string } | null } };
  if (!result.ok && result.failure) failureKinds[`${result.checkId}:${result.failure.kind}`] = (failureKinds[`${result.checkId}:${result.failure.kind}`] ?? 0) + 1;
}
rmSync(data, { recursive: true, force: true });
const wallS = (Date.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({
    benchmark: 'monitor',
    fleet: 'demo',
    period: values.period ?? 'schedules',
    wallSeconds: Math.round(wallS),
    results,
    failed,
    failureKinds,
    peakRssMb: Math.round((peakRssKb / 1024) * 10) / 10,
    rssAfterFirstMinuteMb: Math.round((rssAfterFirstMinuteKb / 1024) * 10) / 10,
    finalRssMb: Math.round((lastRssKb / 1024) * 10) / 10,
    cpuSeconds: Math.round(cpuS * 100) / 100,
    cpuPercentOfOneCore: Math.round((cpuS / wallS) * 1000) / 10,
    exitCode,
  })}\n`,
);
