// Certificates change slowly: CertificateDaysRemaining is published once a day per endpoint
// (plus every run at or below the warning threshold), which keeps its cost to one datum a day
// while an alarm reading the daily Minimum still sees every day. Nothing here parses cron at
// run time: the bundle carries each cron shard's first minute of the day (frozenFleet.ts).
import { parseCron } from '../config/cron.js';
import type { Schedule } from '../model/fleet.js';

const DAY_MS = 86_400_000;

/**
 * The minute of the UTC day (0–1439) of a cron schedule's first firing on any day it fires:
 * EventBridge's minutes and hours fields are the same every day (the day fields only pick the
 * days), so it is the smallest hour and the smallest minute. Undefined for a rate schedule.
 * Build time only (it parses the expression).
 */
export function firstCronMinuteOfDay(schedule: Schedule): number | undefined {
  if (!schedule.startsWith('cron(')) return undefined;
  const parsed = parseCron(schedule);
  if (!parsed.ok || parsed.spec.hours.length === 0 || parsed.spec.minutes.length === 0) return undefined;
  return Math.min(...parsed.spec.hours) * 60 + Math.min(...parsed.spec.minutes);
}

/**
 * Whether the run scheduled at `scheduledMs` is the shard's first of its UTC day. A rate
 * schedule (`5m`) fires at an offset fixed when the rule was created, so its first run is the
 * one scheduled within the first period after 00:00 UTC. A cron schedule's first run is the one
 * at its first minute of the day (business hours: 09:00, not 00:00, when nothing runs).
 */
export function isFirstRunOfUtcDay(periodSeconds: number, firstCronMinute: number | undefined, scheduledMs: number): boolean {
  const sinceMidnight = scheduledMs - Math.floor(scheduledMs / DAY_MS) * DAY_MS;
  if (firstCronMinute !== undefined) return Math.floor(sinceMidnight / 60_000) === firstCronMinute;
  return sinceMidnight < periodSeconds * 1000;
}
