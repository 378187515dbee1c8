// The local monitor honours maintenance windows: a failing service inside a window keeps its
// results and its ALARM state, and nobody is notified; the same failure outside a window is.
// Also `probe-fleet mute` / `unmute` write the window the monitor reads, with an audit line.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { muteService, readMutes, unmuteService, MUTES_AUDIT_FILE } from '../../lib/config/maintenanceMutes.js';
import type { MonitorClock } from '../../lib/monitor/clock.js';
import { Monitor } from '../../lib/monitor/monitor.js';
import { consoleNotifier, monitorNotifyConfig } from '../../lib/monitor/notifier.js';
import { ResultStore } from '../../lib/monitor/store.js';
import type { Fleet, MaintenanceWindow } from '../../lib/model/fleet.js';
import { EnvSecretProvider, Redactor } from '../../lib/secrets/secrets.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { TEAM, tempDir } from '../monitor/support.js';

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
      // The runner stamps results with Date.now: it follows this clock too.
      vi.setSystemTime(this.t);
      for (const s of this.sleepers.filter((x) => x.at <= this.t)) {
        this.sleepers.splice(this.sleepers.indexOf(s), 1);
        s.wake(true);
      }
    }
  }
}

let server: StartedHttpServer;
const dirs: string[] = [];
beforeAll(async () => {
  server = await startHttpServer((_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' }).end('down for maintenance');
  });
});
afterAll(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function monitorFor(minutes: number, windows: { fleet?: MaintenanceWindow[]; extra?: () => MaintenanceWindow[] }, start: number): Promise<{ log: string[]; notifications: string[] }> {
  const dir = tempDir('probe-fleet-maint-');
  dirs.push(dir);
  const fleet: Fleet = {
    name: 'demo',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1'],
    environments: { local: { baseUrl: server.url, pages: true } },
    checks: [{ kind: 'http', id: 'health', name: 'Health', service: 'checkout', ...TEAM, runbook: 'https://runbooks.example/health', expect: '200', severity: 'critical', url: '/health', schedule: '1m' }],
    ...(windows.fleet ? { maintenance: windows.fleet } : {}),
  };
  const clock = new FakeClock(start);
  vi.useFakeTimers({ toFake: ['Date'], now: start });
  const { store, results: stored } = ResultStore.open(join(dir, 'data'));
  const log: string[] = [];
  const notifications: string[] = [];
  const monitor = new Monitor({
    fleet,
    environments: ['local'],
    secrets: new EnvSecretProvider({}),
    redactor: new Redactor(),
    requestLog: { write: () => undefined },
    store,
    stored,
    notifier: consoleNotifier((t) => notifications.push(t)),
    notifyConfig: monitorNotifyConfig(fleet, 'http://127.0.0.1/'),
    log: (line) => log.push(line),
    clock,
    ...(windows.extra ? { maintenance: windows.extra } : {}),
  });
  const controller = new AbortController();
  const running = monitor.run(controller.signal);
  await clock.drive(() => monitor.targets.some((t) => t.running), () => store.size >= minutes);
  controller.abort();
  await running;
  store.close();
  vi.useRealTimers();
  return { log, notifications };
}

// Just before a minute boundary; Date follows the monitor's clock (see FakeClock.drive).
const START = Date.UTC(2026, 10, 29, 0, 59, 59, 999);

/** The wall-clock hour and minute in `timeZone` of the first slot, as a daily cron there. */
function dailyCronAtFirstSlot(timeZone: string): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(START + 1)).map((p) => [p.type, p.value]));
  return `cron(${Number(parts.minute)} ${Number(parts.hour)} * * ? *)`;
}

describe('the local monitor honours maintenance windows', () => {
  it('negative control: without a window, the failing service notifies', async () => {
    const { notifications } = await monitorFor(12, {}, START);
    expect(notifications.length).toBeGreaterThan(0);
  });

  it('a recurring window in the fleet definition: ALARM is logged, nothing is sent', async () => {
    // Opens at the first slot's wall-clock minute in Berlin and covers the whole run.
    const { log, notifications } = await monitorFor(12, { fleet: [{ name: 'weekly-db', services: ['checkout'], cron: dailyCronAtFirstSlot('Europe/Berlin'), timeZone: 'Europe/Berlin', durationMinutes: 30 }] }, START);
    expect(notifications).toEqual([]);
    expect(log.some((l) => /in ALARM during maintenance \(weekly-db\); no notification is sent/.test(l))).toBe(true);
  });

  it('a window of another service does not hold the alarm', async () => {
    const { notifications } = await monitorFor(12, { fleet: [{ name: 'other', services: ['search'], start: new Date(START - 60_000).toISOString(), end: new Date(START + 3_600_000).toISOString() }] }, START);
    expect(notifications.length).toBeGreaterThan(0);
  });

  it('probe-fleet mute writes the window the monitor reads, with an audit line; unmute ends it', async () => {
    const dir = tempDir('probe-fleet-mutes-');
    dirs.push(dir);
    const muted = muteService(dir, { service: 'checkout', forMs: 2 * 3_600_000, reason: 'migration CHG-1', by: 'alice', now: START });
    expect(muted.window).toMatchObject({ services: ['checkout'], start: new Date(START).toISOString(), end: new Date(START + 7_200_000).toISOString(), reason: 'migration CHG-1' });
    const held = await monitorFor(12, { extra: () => readMutes(dir) }, START + 1);
    expect(held.notifications).toEqual([]);
    expect(unmuteService(dir, { service: 'checkout', by: 'bob', reason: 'done early', now: START + 60_000 })).toHaveLength(1);
    const audit = readFileSync(join(dir, MUTES_AUDIT_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; by: string; reason: string });
    expect(audit.map((a) => [a.action, a.by, a.reason])).toEqual([
      ['mute', 'alice', 'migration CHG-1'],
      ['unmute', 'bob', 'done early'],
    ]);
    // Ended: the same failure notifies again.
    const after = await monitorFor(12, { extra: () => readMutes(dir) }, START + 120_000);
    expect(after.notifications.length).toBeGreaterThan(0);
  });
});
