// `npm run bench`: what probe-fleet adds to what it measures and what it costs, measured from
// outside, as a user runs it, beside curl and Prometheus's blackbox_exporter. One JSON object.
//
// A server in a child process answers /delay after 100 ms (keep-alive off: every request pays
// its own connect). Then, against it:
//
//   probeFleet   `probe-fleet test` as a separate process (the built CLI), 300 sequential checks
//                (--concurrency 1, JSON report): addedLatencyMs = durationMs − 100 (median, p99).
//                CPU is the whole process's user + system time (with every child it waited for,
//                read from the shell's `times`), of the 300-check run minus a 1-check run,
//                divided by the 299 extra checks: start-up, config loading and reporting included.
//   curl         one curl process, 300 transfers: time_total − 100.
//   blackboxExporter
//                Debian's prometheus-blackbox-exporter on 127.0.0.1, 300 sequential /probe calls:
//                probe_duration_seconds − 100, and the exporter process's user + system time
//                (from /proc) over those probes, per probe. Not installed: a note says so.
//
// The machine's load shows up as latency: the load average is printed beside the figures.
import { execFile, fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HANDLER_DELAY_MS = 100;
const SAMPLES = 300;
const CLI = fileURLToPath(new URL('../bin/probe-fleet.js', import.meta.url));
const EXPORTER = '/usr/bin/prometheus-blackbox-exporter';
/** Linux reports a process's CPU time in clock ticks of 1/100 s (USER_HZ). */
const TICK_MS = 10;

// ---- the bench server (child process) ------------------------------------------------

function serve(): void {
  const server = http.createServer((req, res) => {
    req.resume();
    const answer = (): void => {
      const body = '{"ok":true}';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, connection: 'close' });
      res.end(body);
    };
    if ((req.url ?? '').startsWith('/delay')) setTimeout(answer, HANDLER_DELAY_MS);
    else answer();
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

// ---- figures ---------------------------------------------------------------------------

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

function latency(totalMs: readonly number[]): { addedLatencyMsMedian: number; addedLatencyMsP99: number } {
  const added = totalMs.map((ms) => ms - HANDLER_DELAY_MS);
  return { addedLatencyMsMedian: round(quantile(added, 0.5)), addedLatencyMsP99: round(quantile(added, 0.99)) };
}

// ---- probe-fleet test, as a process ------------------------------------------------------

function fleetFile(dir: string, base: string, count: number): string {
  const file = join(dir, `fleet-${count}.json`);
  const checks = Array.from({ length: count }, (_, i) => ({
    kind: 'http',
    id: `c${i}`,
    name: `bench ${i}`,
    service: 'bench',
    owner: 'bench',
    runbook: 'https://runbooks.example.com/bench',
    rollbackNote: 'none',
    expect: 'answers 200',
    severity: 'info',
    url: `/delay?k=${i}`,
    assertions: [{ type: 'status', equals: 200 }],
  }));
  // The bench measures the runner, not the rate limiter: the bucket never makes a check wait.
  const fleet = {
    name: 'bench',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1'],
    defaults: { timeoutMs: 10_000, rateLimit: { requestsPerSecond: 10_000, burst: 10_000 } },
    environments: { bench: { baseUrl: base } },
    checks,
  };
  writeFileSync(file, JSON.stringify(fleet));
  return file;
}

interface ProcessRun {
  durationsMs: number[];
  cpuMs: number;
  wallMs: number;
}

/** `times` prints the shell's own user and system time, then its waited-for children's. */
function childrenCpuMs(timesOutput: string): number {
  const lines = timesOutput.trim().split('\n');
  const match = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(lines.at(-1) ?? '');
  if (!match) throw new Error(`expected the shell's times line "0m1.234s 0m0.123s", received ${JSON.stringify(timesOutput)}`);
  const [, um, us, sm, ss] = match.map(Number) as [number, number, number, number, number];
  return (um * 60 + us + sm * 60 + ss) * 1000;
}

async function runProbeFleet(dir: string, base: string, count: number): Promise<ProcessRun> {
  const config = fleetFile(dir, base, count);
  const report = join(dir, `report-${count}.json`);
  const args = ['test', '--config', config, '--env', 'bench', '--concurrency', '1', '--reporter', 'json', '--output', report, '--deadline', '10m'];
  // bash runs the CLI and then `times`: the CPU of the whole process tree, measured by the kernel.
  const script = 'node "$@" >/dev/null; code=$?; times; exit $code';
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('bash', ['-c', script, 'bash', CLI, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (exit) => resolve({ code: exit, stdout: out, stderr: err }));
  });
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`probe-fleet test with ${count} checks: expected exit 0, received ${String(code)}: ${stderr.trim().slice(0, 500)}`);
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as { results: { ok: boolean; durationMs: number }[] };
  if (parsed.results.length !== count || parsed.results.some((r) => !r.ok)) {
    throw new Error(`probe-fleet test: expected ${count} passing results, received ${parsed.results.filter((r) => r.ok).length} of ${parsed.results.length}`);
  }
  return { durationsMs: parsed.results.map((r) => r.durationMs), cpuMs: childrenCpuMs(stdout), wallMs };
}

// ---- curl ------------------------------------------------------------------------------------

/** One curl process for every sample (curl times each transfer itself, so its start-up is not counted). */
function curlSamples(base: string, count: number): Promise<number[] | string> {
  const args = ['-s', '-w', '%{time_total}\\n', ...Array.from({ length: count }, (_, i) => ['-o', '/dev/null', `${base}/delay?k=curl${i}`]).flat()];
  return new Promise((resolve) => {
    execFile('curl', args, { timeout: 120_000 }, (error, stdout) => {
      if (error) resolve(`curl unavailable or failed: ${error.message.split('\n')[0] ?? ''}`);
      else resolve(stdout.trim().split('\n').map((s) => Number(s) * 1000));
    });
  });
}

// ---- blackbox_exporter ---------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** user + system time of a process so far, from /proc/<pid>/stat (fields 14 and 15, in ticks). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

async function blackboxExporter(dir: string, base: string, count: number): Promise<Record<string, unknown>> {
  if (!existsSync(EXPORTER)) {
    return { note: `not installed (${EXPORTER}); on Debian or Ubuntu: apt-get install prometheus-blackbox-exporter` };
  }
  const config = join(dir, 'blackbox.yml');
  writeFileSync(config, 'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n      valid_status_codes: [200]\n');
  const port = await freePort();
  const exporter = spawn(EXPORTER, [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  exporter.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  try {
    const origin = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt++) {
      const ready = await fetch(`${origin}/-/healthy`).then((r) => r.ok, () => false);
      if (ready) break;
      if (attempt > 100 || exporter.exitCode !== null) throw new Error(`blackbox_exporter did not start on ${origin}: ${log.trim().slice(-500)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const probe = async (i: number): Promise<number> => {
      const target = encodeURIComponent(`${base}/delay?k=bbe${i}`);
      const text = await (await fetch(`${origin}/probe?module=http_2xx&target=${target}`)).text();
      if (!/^probe_success 1$/m.test(text)) throw new Error(`blackbox_exporter probe ${i}: expected probe_success 1, received ${text.slice(0, 300)}`);
      const seconds = /^probe_duration_seconds (\S+)$/m.exec(text)?.[1];
      if (seconds === undefined) throw new Error('blackbox_exporter: no probe_duration_seconds in its answer');
      return Number(seconds) * 1000;
    };
    // One probe first: the exporter's own start-up is not a probe's cost (as the 1-check run is subtracted for probe-fleet).
    await probe(-1);
    const pid = exporter.pid ?? 0;
    const cpuBefore = processCpuMs(pid);
    const durations: number[] = [];
    for (let i = 0; i < count; i++) durations.push(await probe(i));
    const cpuMs = processCpuMs(pid) - cpuBefore;
    const version = /^blackbox_exporter_build_info\{.*version="([^"]+)"/m.exec(await (await fetch(`${origin}/metrics`)).text())?.[1] ?? 'unknown';
    return { version, ...latency(durations), cpuMsPerProbe: round(cpuMs / count) };
  } finally {
    exporter.kill();
  }
}

// ---- the bench -------------------------------------------------------------------------------

async function bench(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`expected the built CLI at ${CLI}, received no file: run npm run build`);
  const { child, base } = await startServerProcess();
  const dir = mkdtempSync(join(tmpdir(), 'probe-fleet-bench-'));
  try {
    const one = await runProbeFleet(dir, base, 1);
    const many = await runProbeFleet(dir, base, SAMPLES);
    const curl = await curlSamples(base, SAMPLES);
    const exporter = await blackboxExporter(dir, base, SAMPLES);

    const probeFleet = {
      ...latency(many.durationsMs),
      cpuMsPerCheck: round((many.cpuMs - one.cpuMs) / (SAMPLES - 1)),
      cpuMs: { [`checks${SAMPLES}`]: round(many.cpuMs, 0), checks1: round(one.cpuMs, 0) },
      wallMs: { [`checks${SAMPLES}`]: round(many.wallMs, 0), checks1: round(one.wallMs, 0) },
    };
    const curlFigures = typeof curl === 'string' ? { note: curl } : latency(curl);
    // The goal the runner is held to: within 0.3 ms of curl, p99 and CPU no worse than the exporter.
    const goal = {
      medianWithinCurlPlus0_3ms: 'addedLatencyMsMedian' in curlFigures ? probeFleet.addedLatencyMsMedian <= curlFigures.addedLatencyMsMedian + 0.3 : null,
      p99AtMostExporter: typeof exporter.addedLatencyMsP99 === 'number' ? probeFleet.addedLatencyMsP99 <= exporter.addedLatencyMsP99 : null,
      cpuAtMostExporter: typeof exporter.cpuMsPerProbe === 'number' ? probeFleet.cpuMsPerCheck <= exporter.cpuMsPerProbe : null,
    };
    const report = {
      samples: SAMPLES,
      serverDelayMs: HANDLER_DELAY_MS,
      probeFleet,
      curl: curlFigures,
      blackboxExporter: exporter,
      goal,
      // Other work on the machine shows up as added latency: say how busy it was.
      loadAverage: loadavg().map((l) => round(l, 2)),
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    child.disconnect();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
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
