// How a schedule spreads its runs over time. Alarms assume one run per period; a cron
// expression whose gaps differ (business hours, weekdays, `0 */5 * * ? *` with its 4-hour
// gap at midnight) leaves whole periods without a run, and an alarm that reads that
// silence as failure pages every night. Shared by the CDK alarms and the local monitor.
import { FIXED_PERIOD_SECONDS, nextRunAfter } from '../config/schedule.js';
import type { Schedule } from '../model/fleet.js';

export interface ScheduleShape {
  shortestGapSeconds: number;
  longestGapSeconds: number;
  /** Some gap between runs is longer than the shortest one: there are quiet periods. */
  uneven: boolean;
}

/** As many firings as lib/config/cron.ts inspects for the shortest gap, from a fixed Monday. */
const MAX_FIRINGS = 2000;
const WINDOW_MS = 400 * 86_400_000;
const START = Date.UTC(2024, 0, 1);

const cache = new Map<string, ScheduleShape>();

/** The gaps of a (validated) schedule; a cron expression is walked firing by firing, once. */
export function scheduleShape(schedule: Schedule): ScheduleShape {
  const fixed = FIXED_PERIOD_SECONDS[schedule];
  if (fixed !== undefined) return { shortestGapSeconds: fixed, longestGapSeconds: fixed, uneven: false };
  const cached = cache.get(schedule);
  if (cached) return cached;
  let previous = nextRunAfter(schedule, new Date(START));
  const end = previous.getTime() + WINDOW_MS;
  let shortest = Infinity;
  let longest = 0;
  for (let i = 0; i < MAX_FIRINGS; i++) {
    let next: Date;
    try {
      next = nextRunAfter(schedule, previous);
    } catch {
      break; // The expression's last year ended: the gaps seen so far are all there is.
    }
    if (next.getTime() > end) break;
    const gap = (next.getTime() - previous.getTime()) / 1000;
    shortest = Math.min(shortest, gap);
    longest = Math.max(longest, gap);
    previous = next;
  }
  const shape: ScheduleShape =
    longest === 0 ? { shortestGapSeconds: 0, longestGapSeconds: 0, uneven: false } : { shortestGapSeconds: shortest, longestGapSeconds: longest, uneven: longest > shortest };
  cache.set(schedule, shape);
  return shape;
}
