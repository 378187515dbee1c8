// Planned maintenance: windows in the fleet definition during which checks still run and publish
// (the data stays honest), but nobody is notified about the checks the window covers. A window
// is one-off (`start`/`end`) or recurring (an EventBridge-style cron in a time zone, and a length).
// This file is pure: evaluating a window needs only the fleet and a time.
import type { Fleet, MaintenanceWindow } from '../model/fleet.js';
import { Collector, at, isRecord } from './collector.js';
import { nextCronFiring, parseCron } from './cron.js';
import type { CronSpec } from './cron.js';

export type { MaintenanceWindow } from '../model/fleet.js';

/** A week: longer planned silences are not maintenance, they are a check to remove. */
export const MAX_WINDOW_MINUTES = 7 * 24 * 60;
const WINDOW_KEYS = ['name', 'reason', 'services', 'environments', 'checks', 'start', 'end', 'cron', 'timeZone', 'durationMinutes'] as const;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** What a window can cover: a check run against one environment. */
export interface MaintenanceTarget {
  checkId: string;
  service: string;
  environment: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether the runtime knows the IANA zone (`Europe/Berlin`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time in `timeZone` at `time`, as epoch ms of the same fields read as UTC. */
function wallClock(time: Date, timeZone: string): number {
  const parts = Object.fromEntries(formatterFor(timeZone).formatToParts(time).map((p) => [p.type, p.value]));
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
}

const cronSpecs = new Map<string, CronSpec | null>();

function cronSpec(expression: string): CronSpec | null {
  if (!cronSpecs.has(expression)) {
    const parsed = parseCron(expression);
    cronSpecs.set(expression, parsed.ok ? parsed.spec : null);
  }
  return cronSpecs.get(expression) ?? null;
}

/** Whether the window covers the target (by service, environment or check; every list given must match). */
export function windowCovers(window: MaintenanceWindow, target: MaintenanceTarget): boolean {
  if (window.services && !window.services.includes(target.service)) return false;
  if (window.environments && !window.environments.includes(target.environment)) return false;
  if (window.checks && !window.checks.includes(target.checkId)) return false;
  return true;
}

/**
 * Whether the window is open at `time`. Recurring: it opens at each wall-clock minute of its
 * zone that the cron matches and stays open `durationMinutes` of wall-clock time (across a
 * daylight-saving change the real length differs by that hour). One-off: `start` ≤ time < `end`.
 */
export function windowOpen(window: MaintenanceWindow, time: Date): boolean {
  if (window.start !== undefined && window.end !== undefined) {
    const t = time.getTime();
    return Date.parse(window.start) <= t && t < Date.parse(window.end);
  }
  if (window.cron === undefined || window.durationMinutes === undefined) return false;
  const spec = cronSpec(window.cron);
  if (!spec) return false;
  const wall = wallClock(time, window.timeZone ?? 'UTC');
  // The first opening after (wall − duration); the window is open when it is not later than wall.
  const opening = nextCronFiring(spec, new Date(wall - window.durationMinutes * 60_000));
  return opening !== null && opening.getTime() <= wall;
}

/** The windows of the fleet open for this target at `time` (empty: notify as usual). */
export function openWindows(fleet: Pick<Fleet, 'maintenance'>, target: MaintenanceTarget, time: Date): MaintenanceWindow[] {
  return (fleet.maintenance ?? []).filter((window) => windowCovers(window, target) && windowOpen(window, time));
}

export interface MaintenanceFacts {
  services: ReadonlySet<string>;
  environments: ReadonlySet<string>;
  checks: ReadonlySet<string>;
}

/** Validates `maintenance`: every problem at its exact path, all at once. */
export function validateMaintenance(c: Collector, path: string, value: unknown, facts: MaintenanceFacts): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    c.report(path, 'an array of maintenance windows', typeof value);
    return;
  }
  const names = new Map<string, string>();
  value.forEach((entry: unknown, i) => {
    const where = at(path, i);
    if (!isRecord(entry)) {
      c.report(where, 'a maintenance window object', entry === null ? 'null' : typeof entry);
      return;
    }
    const window = c.object(where, entry, WINDOW_KEYS, 'a maintenance window object');
    if (!window) return;
    const name = c.string(at(where, 'name'), window.name, true);
    if (typeof name === 'string') {
      const earlier = names.get(name);
      if (earlier !== undefined) c.report(at(where, 'name'), `a name no other window uses (${earlier} uses it)`, JSON.stringify(name));
      names.set(name, where);
    }
    if (window.reason !== undefined) c.string(at(where, 'reason'), window.reason, false);
    const lists = [
      ['services', facts.services],
      ['environments', facts.environments],
      ['checks', facts.checks],
    ] as const;
    let scoped = false;
    for (const [key, known] of lists) {
      const list = window[key];
      if (list === undefined) continue;
      scoped = true;
      if (!Array.isArray(list) || list.length === 0) {
        c.report(at(where, key), `a non-empty array of ${key} names`, Array.isArray(list) ? 'an empty array' : typeof list);
        continue;
      }
      list.forEach((item: unknown, j) => {
        if (typeof item !== 'string' || !known.has(item)) {
          c.report(at(at(where, key), j), `one of the fleet's ${key} (${[...known].slice(0, 8).join(', ')}${known.size > 8 ? ', …' : ''})`, JSON.stringify(item));
        }
      });
    }
    if (!scoped) c.report(where, 'at least one of services, environments or checks (a window over the whole fleet would hide every page)', 'none');

    const oneOff = window.start !== undefined || window.end !== undefined;
    const recurring = window.cron !== undefined || window.durationMinutes !== undefined || window.timeZone !== undefined;
    if (oneOff === recurring) {
      c.report(where, 'either start and end (one-off) or cron and durationMinutes, with an optional timeZone (recurring)', oneOff ? 'both' : 'neither');
      return;
    }
    if (oneOff) {
      const times = (['start', 'end'] as const).map((key) => {
        const text = window[key];
        if (typeof text !== 'string' || !ISO_WITH_ZONE.test(text) || Number.isNaN(Date.parse(text))) {
          c.report(at(where, key), 'an ISO 8601 time with its offset, e.g. 2026-12-05T22:00:00Z or 2026-12-05T23:00:00+01:00', text === undefined ? 'nothing' : JSON.stringify(text));
          return null;
        }
        return Date.parse(text);
      });
      const [start, end] = times;
      if (start != null && end != null) {
        if (end <= start) c.report(at(where, 'end'), `a time after start (${String(window.start)})`, JSON.stringify(window.end));
        else if (end - start > MAX_WINDOW_MINUTES * 60_000) c.report(at(where, 'end'), `at most ${MAX_WINDOW_MINUTES / 1440} days after start`, `${Math.round((end - start) / 86_400_000)} days`);
      }
      return;
    }
    if (typeof window.cron !== 'string' || !cronSpec(window.cron)) {
      const parsed = typeof window.cron === 'string' ? parseCron(window.cron) : null;
      c.report(at(where, 'cron'), 'an EventBridge cron expression such as cron(0 2 ? * SUN *), read in timeZone', window.cron === undefined ? 'nothing' : JSON.stringify(window.cron), parsed && !parsed.ok ? parsed.reason : undefined);
    }
    const duration = window.durationMinutes;
    if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 1 || duration > MAX_WINDOW_MINUTES) {
      c.report(at(where, 'durationMinutes'), `a whole number of minutes from 1 to ${MAX_WINDOW_MINUTES}`, duration === undefined ? 'nothing' : JSON.stringify(duration));
    }
    if (window.timeZone !== undefined && (typeof window.timeZone !== 'string' || !isTimeZone(window.timeZone))) {
      c.report(at(where, 'timeZone'), 'an IANA time zone such as Europe/Berlin or UTC (default UTC)', JSON.stringify(window.timeZone));
    }
  });
}

/** Convenience for callers outside validation: the problems of a `maintenance` value. */
export function maintenanceProblems(fleet: Fleet): Collector['diagnostics'] {
  const c = new Collector();
  validateMaintenance(c, 'maintenance', fleet.maintenance, {
    services: new Set(fleet.checks.map((check) => check.service)),
    environments: new Set(Object.keys(fleet.environments)),
    checks: new Set(fleet.checks.map((check) => check.id)),
  });
  return c.diagnostics;
}
