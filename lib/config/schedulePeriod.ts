import type { Schedule } from '../model/fleet.js';

const FIXED: Record<string, number> = { '1m': 60, '2m': 120, '5m': 300, '10m': 600, '15m': 900, '30m': 1800, '1h': 3600 };

/**
 * Seconds between runs. Fixed schedules map directly; a cron expression's period is
 * computed by lib/config/schedule.ts (the shortest gap between its next firings).
 */
export function periodSecondsOf(schedule: Schedule, cronPeriod?: (expression: string) => number): number {
  const fixed = FIXED[schedule];
  if (fixed !== undefined) return fixed;
  if (cronPeriod) return cronPeriod(schedule);
  // Without a cron evaluator the safe assumption is the longest fixed period.
  return 3600;
}

export const FIXED_SCHEDULES = Object.keys(FIXED) as Schedule[];
