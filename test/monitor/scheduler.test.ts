// The scheduler with an injected clock: slots follow the schedule, not the end of the last
// run (drift-free), one run of a check at a time, and a run that outlasts its period skips
// slots instead of running late or twice. A simulated hour passes in a second.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorClock } from '../../lib/monitor/clock.js';
import { LOCAL_LOCATION, Monitor } from '../../lib/monitor/monitor.js';
import { consoleNotifier, monitorNotifyConfig } from '../../lib/monitor/notifier.js';
import { ResultStore, resultId } from '../../lib/monitor/store.js';
import type { CheckResult } from '../../lib/model/result.js';
import type { Fleet } from '../../lib/model/fleet.js';
import { EnvSecretProvider, Redactor } from '../../lib/secrets/secrets.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { TEAM, reportedIds, tempDir } from './support.js';

/** Time moves only when every check is idle: then it jumps to the earliest sleeper. */
class FakeClock implements MonitorClock {
  private readonly sleepers: { at: number; wake: (v: boolean) => void }[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  sleepUntil(at: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (at <= this.t) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
        resolve(false);
      };
      const sleeper = {
        at,
        wake: (v: boolean) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
      };
      this.sleepers.push(sleeper);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
  async drive(busy: () => boolean, done: () => boolean): Promise<void> {
    for (let i = 0; i < 100_000 && !done(); i++) {
      await new Promise((r) => setTimeout(r, 1));
      if (busy() || this.sleepers.length === 0) continue;
      this.t = Math.min(...this.sleepers.map((s) => s.at));
      for (const s of this.sleepers.filter((x) => x.at <= this.t)) {
        this.sleepers.splice(this.sleepers.indexOf(s), 1);
        s.wake(true);
      }
    }
  }
}

const storedResult: CheckResult = {
  checkId: 'health',
  environment: 'local',
  location: LOCAL_LOCATION,
  runId: 'before-restart',
  startedAt: '',
  ok: true,
  degraded: false,
  durationMs: 5,
  phases: { dnsMs: 0, connectMs: 1, tlsMs: 0, ttfbMs: 3, transferMs: 1 },
  status: 200,
  bytes: 15,
  certDaysRemaining: null,
  assertions: [],
  failure: null,
  attempts: 1,
  flaky: false,
};

describe('monitor scheduler', () => {
  let server: StartedHttpServer;
  let onRequest: () => void = () => undefined;
  const dirs: string[] = [];
  beforeAll(async () => {
    server = await startHttpServer((_req, res) => {
      onRequest();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    });
  });
  afterAll(async () => {
    await server.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function run(slowRun: (n: number) => number, results: number, prestoredSlots: number[] = []): Promise<{ ids: string[]; log: string[]; requests: number; firstSlot: number }> {
    const dir = tempDir('probe-fleet-sched-');
    dirs.push(dir);
    const fleet: Fleet = {
      name: 'demo',
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      environments: { local: { baseUrl: server.url } },
      checks: [{ kind: 'http', id: 'health', name: 'Health', service: 'demo', ...TEAM, runbook: 'https://runbooks.example/health', expect: '200', severity: 'critical', url: '/health', schedule: '1m' }],
    };
    // Just before a minute boundary, so the first slot is the next full minute.
    const clock = new FakeClock(Math.ceil(Date.now() / 60_000) * 60_000 + 60_000 - 1);
    const firstSlot = clock.t + 1;
    const seed = ResultStore.open(join(dir, 'data'));
    for (const k of prestoredSlots) {
      const slot = new Date(firstSlot + k * 60_000);
      seed.store.append({ id: resultId('health', LOCAL_LOCATION, slot), result: { ...storedResult, startedAt: slot.toISOString() } });
    }
    seed.store.close();
    const { store, results: stored } = ResultStore.open(join(dir, 'data'));
    const log: string[] = [];
    const monitor = new Monitor({
      fleet,
      environments: ['local'],
      secrets: new EnvSecretProvider({}),
      redactor: new Redactor(),
      requestLog: { write: () => undefined },
      store,
      stored,
      notifier: consoleNotifier((t) => log.push(t)),
      notifyConfig: monitorNotifyConfig(fleet, 'http://127.0.0.1/'),
      log: (line) => log.push(line),
      clock,
    });
    let n = 0;
    let requests = 0;
    // The service "takes" this long to answer: the clock moves while the check runs.
    onRequest = () => {
      requests++;
      clock.t += slowRun(n++);
    };
    const controller = new AbortController();
    const running = monitor.run(controller.signal);
    await clock.drive(() => monitor.targets.some((t) => t.running), () => store.size >= results);
    controller.abort();
    await running;
    store.close();
    return { ids: reportedIds(log.join('\n')), log, requests, firstSlot };
  }

  it('runs on the schedule, not on the end of the last run (3 s runs do not shift the minute)', async () => {
    const { ids } = await run(() => 3000, 5);
    const slots = ids.map((id) => Date.parse(id.split('@')[2]!));
    expect(slots).toHaveLength(5);
    for (const slot of slots) expect(slot % 60_000).toBe(0);
    expect(slots.slice(1).map((s, i) => s - slots[i]!)).toEqual([60_000, 60_000, 60_000, 60_000]);
  });

  it('a run that outlasts its period skips the slots it covered, never overlaps or runs late', async () => {
    const { ids, log } = await run((n) => (n === 1 ? 150_000 : 1000), 4);
    const slots = ids.map((id) => Date.parse(id.split('@')[2]!));
    const gaps = slots.slice(1).map((s, i) => (s - slots[i]!) / 60_000);
    // The second run took 2.5 minutes: the two slots it covered are skipped.
    expect(gaps).toEqual([1, 3, 1]);
    expect(log.join('\n')).toMatch(/outlasted its period; 2 slot\(s\) skipped/);
  });

  it('never runs again a slot whose result is already stored (a restart inside the slot)', async () => {
    // As if a monitor stored the next two slots and was restarted before they were over.
    const { ids, requests, firstSlot } = await run(() => 1000, 5, [0, 1]);
    const slots = ids.map((id) => Date.parse(id.split('@')[2]!));
    expect(slots[0]).toBe(firstSlot + 2 * 60_000);
    // No request went out for the stored slots: they were skipped, not run and then refused.
    expect(requests).toBe(ids.length);
  });
});
