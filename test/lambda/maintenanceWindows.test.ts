import { describe, expect, it } from 'vitest';
import { validateFleet } from '../../lib/config/validate.js';
import { openWindows, windowOpen } from '../../lib/config/maintenance.js';
import type { MaintenanceWindow } from '../../lib/model/fleet.js';
import { oneOriginFleet } from '../fleetScale/fleets.js';

const target = { checkId: 'page-1', service: 'shop', environment: 'prod' };

describe('maintenance windows: when they are open', () => {
  const weekly: MaintenanceWindow = { name: 'db', services: ['shop'], cron: 'cron(0 2 ? * SUN *)', timeZone: 'Europe/Berlin', durationMinutes: 90 };
  const cases: { name: string; window: MaintenanceWindow; at: string; open: boolean }[] = [
    // Sunday 2026-11-29 02:00 in Berlin (CET, UTC+1) is 01:00Z; open until 03:30 Berlin.
    { name: 'recurring: the minute it opens, in its zone', window: weekly, at: '2026-11-29T01:00:00Z', open: true },
    { name: 'recurring: one minute before', window: weekly, at: '2026-11-29T00:59:59Z', open: false },
    { name: 'recurring: its last second', window: weekly, at: '2026-11-29T02:29:59Z', open: true },
    { name: 'recurring: at its end', window: weekly, at: '2026-11-29T02:30:00Z', open: false },
    { name: 'recurring: 02:00 UTC is 03:00 in Berlin, still open', window: weekly, at: '2026-11-29T02:00:00Z', open: true },
    { name: 'recurring: summer time (CEST, UTC+2) moves it to 00:00Z', window: weekly, at: '2026-07-05T00:00:00Z', open: true },
    { name: 'recurring: another day', window: weekly, at: '2026-11-28T01:30:00Z', open: false },
    { name: 'recurring: UTC by default', window: { name: 'n', checks: ['page-1'], cron: 'cron(30 23 * * ? *)', durationMinutes: 60 }, at: '2026-11-30T00:10:00Z', open: true },
    { name: 'one-off: a minute before its start', window: { name: 'o', environments: ['prod'], start: '2026-12-05T22:00:00Z', end: '2026-12-05T23:00:00+01:00' }, at: '2026-12-05T21:59:00Z', open: false },
    { name: 'one-off: start is inclusive', window: { name: 'o', environments: ['prod'], start: '2026-12-05T22:00:00Z', end: '2026-12-05T23:00:00Z' }, at: '2026-12-05T22:00:00Z', open: true },
    { name: 'one-off: end is exclusive', window: { name: 'o', environments: ['prod'], start: '2026-12-05T22:00:00Z', end: '2026-12-05T23:00:00Z' }, at: '2026-12-05T23:00:00Z', open: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(windowOpen(c.window, new Date(c.at))).toBe(c.open);
    });
  }

  it('covers a target only when every list it gives matches', () => {
    const at = new Date('2026-11-29T01:30:00Z');
    const fleet = { maintenance: [weekly, { ...weekly, name: 'eu', environments: ['eu'] }, { ...weekly, name: 'other', checks: ['page-2'] }] };
    expect(openWindows(fleet, target, at).map((w) => w.name)).toEqual(['db']);
    expect(openWindows(fleet, { ...target, service: 'cart' }, at)).toEqual([]);
    expect(openWindows({}, target, at)).toEqual([]);
  });
});

describe('maintenance windows: validation', () => {
  const fleetWith = (maintenance: unknown) => ({ ...oneOriginFleet('https://shop.example.com', { count: 3, regions: ['eu-west-1'], schedule: '5m' }), maintenance }) as never;
  const problems = (maintenance: unknown): string[] => {
    const result = validateFleet(fleetWith(maintenance));
    return result.ok ? [] : result.diagnostics.map((d) => `${d.path}: ${d.message}`);
  };

  it('a valid recurring and a valid one-off window', () => {
    expect(problems([{ name: 'db', reason: 'weekly vacuum', services: ['shop'], cron: 'cron(0 2 ? * SUN *)', timeZone: 'Europe/Berlin', durationMinutes: 90 }, { name: 'move', checks: ['page-0'], start: '2026-12-05T22:00:00Z', end: '2026-12-06T02:00:00Z' }])).toEqual([]);
  });

  const invalid: { name: string; window: Record<string, unknown>; path: string; message: RegExp }[] = [
    { name: 'unknown service', window: { name: 'x', services: ['cart'], start: '2026-12-05T22:00:00Z', end: '2026-12-05T23:00:00Z' }, path: 'maintenance[0].services[0]', message: /expected one of the fleet's services \(shop\), received "cart"/ },
    { name: 'no scope', window: { name: 'x', start: '2026-12-05T22:00:00Z', end: '2026-12-05T23:00:00Z' }, path: 'maintenance[0]', message: /at least one of services, environments or checks/ },
    { name: 'both kinds', window: { name: 'x', checks: ['page-0'], start: '2026-12-05T22:00:00Z', end: '2026-12-05T23:00:00Z', cron: 'cron(0 2 ? * SUN *)', durationMinutes: 5 }, path: 'maintenance[0]', message: /received both/ },
    { name: 'end before start', window: { name: 'x', checks: ['page-0'], start: '2026-12-05T22:00:00Z', end: '2026-12-05T21:00:00Z' }, path: 'maintenance[0].end', message: /a time after start/ },
    { name: 'time without offset', window: { name: 'x', checks: ['page-0'], start: '2026-12-05T22:00:00', end: '2026-12-05T23:00:00Z' }, path: 'maintenance[0].start', message: /with its offset/ },
    { name: 'bad cron', window: { name: 'x', checks: ['page-0'], cron: 'cron(0 2 * * SUN *)', durationMinutes: 5 }, path: 'maintenance[0].cron', message: /EventBridge cron expression/ },
    { name: 'unknown zone', window: { name: 'x', checks: ['page-0'], cron: 'cron(0 2 ? * SUN *)', durationMinutes: 5, timeZone: 'Mars/Olympus' }, path: 'maintenance[0].timeZone', message: /IANA time zone/ },
    { name: 'too long', window: { name: 'x', checks: ['page-0'], cron: 'cron(0 2 ? * SUN *)', durationMinutes: 20_000 }, path: 'maintenance[0].durationMinutes', message: /from 1 to 10080/ },
    { name: 'unknown key', window: { name: 'x', checks: ['page-0'], cron: 'cron(0 2 ? * SUN *)', durationMinutes: 5, zone: 'UTC' }, path: 'maintenance[0].zone', message: /unknown key/ },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      const found = problems([c.window]);
      expect(found.find((p) => p.startsWith(`${c.path}: `) && c.message.test(p)), found.join('\n')).toBeDefined();
    });
  }

  it('names must be unique', () => {
    const w = { name: 'x', checks: ['page-0'], start: '2026-12-05T22:00:00Z', end: '2026-12-05T23:00:00Z' };
    expect(problems([w, w])).toEqual([expect.stringMatching(/^maintenance\[1\]\.name: expected a name no other window uses \(maintenance\[0\] uses it\)/)]);
  });
});
