// `node dist/bench/monitorBench.js [--duration 600] [--period 1s]`: runs `probe-fleet monitor`
// on the demo fleet against the demo service as a child process, samples its memory and CPU
// from /proc once a second, stops it with SIGTERM and prints one JSON object.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO_PASSWORD, startDemoService } from '../demo/server.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const cli = join(root, 'dist', 'bin', 'probe-fleet.js');
const config = join(root, 'demo', 'probes.config.ts');

const { values } = parseArgs({ options: { duration: { type: 'string', default: '600' }, period: { type: 'string' } } });
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
