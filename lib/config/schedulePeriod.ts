import type { Schedule } from '../model/fleet.js';
import { FIXED_PERIOD_SECONDS, cronPeriodSeconds } from './schedule.js';

/**
 * Seconds between runs. Fixed schedules map directly; a cron expression's period is the
 * shortest gap between its firings (lib/config/schedule.ts). `cronPeriod` replaces that
 * computation, for callers that already know it. A cron expression that validation would
 * reject throws a ScheduleError rather than becoming a made-up period.
 */
export function periodSecondsOf(schedule: Schedule, cronPeriod: (expression: string) => number = cronPeriodSeconds): number {
  const fixed = FIXED_PERIOD_SECONDS[schedule];
  if (fixed !== undefined) return fixed;
  return cronPeriod(schedule);
}

export const FIXED_SCHEDULES = Object.keys(FIXED_PERIOD_SECONDS) as Schedule[];
