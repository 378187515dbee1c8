// Glue for the replay tests: synthesize a fleet, read its templates, simulate what it
// publishes, replay its alarms, and say who was told what and when.
import type { Fleet } from '../../../lib/model/fleet.js';
import { synth } from '../synth.js';
import { MetricStore } from './metricStore.js';
import { simulateFleet, type Script } from './probeSimulator.js';
import { AlarmReplay, type Audience, type Notification, type ReplayResult } from './replay.js';
import { readTemplates, type ReadTemplates, type StackTemplate } from './templateAlarms.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** A Monday, 00:00 UTC. */
export const MONDAY = Date.parse('2026-11-23T00:00:00Z');

const cache = new Map<Fleet, ReadTemplates>();

/**
 * The fleet's synthesized stacks as CloudFormation would receive them: every stack of the
 * app's cloud assembly, not only those the construct lists, so no alarm escapes the replay.
 */
export function stackTemplates(fleet: Fleet): StackTemplate[] {
  const assembly = synth(fleet).app.synth();
  return assembly.stacks.map((a) => ({ stackName: a.stackName, region: a.environment.region, template: a.template as StackTemplate['template'] }));
}

export function readFleet(fleet: Fleet): ReadTemplates {
  let read = cache.get(fleet);
  if (!read) {
    read = readTemplates(stackTemplates(fleet));
    cache.set(fleet, read);
  }
  return read;
}

export interface ReplayRun extends ReplayResult {
  read: ReadTemplates;
  /** Notifications from `sinceMs` on (after the steady state the scenario starts from). */
  told(sinceMs?: number): Notification[];
  pages(sinceMs?: number): Notification[];
  /** First ALARM notification to `audience` at or after `sinceMs`, or null. */
  firstAlarm(audience: Audience, sinceMs: number): Notification | null;
}

export interface ReplayScenario {
  fleet: Fleet;
  /** When the alarms are created and the probes start. */
  deployMs: number;
  /** The end of the replay. */
  untilMs: number;
  script?: Script;
  /** Alarms created later than the deploy (a check added by a later deploy). */
  createdAtMs?: (alarm: string) => number;
  /** Templates to replay instead of the fleet's own (negative controls). */
  read?: ReadTemplates;
  extraRange?: number;
}

export function replayScenario(s: ReplayScenario): ReplayRun {
  const read = s.read ?? readFleet(s.fleet);
  const store = new MetricStore();
  simulateFleet(s.fleet, read.rules, store, s.deployMs, s.untilMs, s.script ?? {}, s.deployMs);
  const result = new AlarmReplay(read).run(store, s.deployMs, s.untilMs, { ...(s.createdAtMs ? { createdAtMs: s.createdAtMs } : {}), ...(s.extraRange !== undefined ? { extraRange: s.extraRange } : {}) });
  return wrap(read, result);
}

export function wrap(read: ReadTemplates, result: ReplayResult): ReplayRun {
  const told = (sinceMs = -Infinity): Notification[] => result.notifications.filter((n) => n.atMs >= sinceMs);
  return {
    ...result,
    read,
    told,
    // A page is an ALARM reaching the pager topic; an OK there resolves an incident, it opens none.
    pages: (sinceMs) => told(sinceMs).filter((n) => n.audience === 'on-call page' && n.state === 'ALARM'),
    firstAlarm: (audience, sinceMs) => told(sinceMs).find((n) => n.audience === audience && n.state === 'ALARM') ?? null,
  };
}

/** `audience ← alarm (state) at +mm:ss` lines, for failure messages. */
export function describeTold(notifications: readonly Notification[], originMs: number): string {
  if (notifications.length === 0) return '(nobody told)';
  return notifications
    .map((n) => {
      const s = Math.round((n.atMs - originMs) / 1000);
      const sign = s < 0 ? '-' : '+';
      const a = Math.abs(s);
      return `${n.audience} ← ${n.alarm} ${n.from}→${n.state} at ${sign}${Math.floor(a / 3600)}h${String(Math.floor((a % 3600) / 60)).padStart(2, '0')}m`;
    })
    .join('\n');
}
