// When a check runs next. Slots come from the schedule itself (fixed periods on multiples of
// the period, cron on its firings), never from when the last run ended, so the interval does
// not grow by the check's own duration.
import { nextRunAfter } from '../config/schedule.js';
import type { Schedule } from '../model/fleet.js';

/** The first slot strictly after `afterMs`. `periodMsOverride` (tests, rehearsals) replaces the schedule. */
export function nextSlot(schedule: Schedule, afterMs: number, periodMsOverride?: number): number {
  if (periodMsOverride !== undefined) return (Math.floor(afterMs / periodMsOverride) + 1) * periodMsOverride;
  return nextRunAfter(schedule, new Date(afterMs)).getTime();
}
