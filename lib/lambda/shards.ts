// Splits a fleet into shards: the unit one Lambda invocation runs. A shard holds the
// check×environment targets that share a region and a schedule, at most
// `maxChecksPerShard` of them, so each run fits its schedule period.
import type { Fleet, Schedule } from '../model/fleet.js';
import { resolveSettings } from '../config/resolve.js';
import { periodSecondsOf } from '../config/schedulePeriod.js';

export const DEFAULT_MAX_CHECKS_PER_SHARD = 25;

export interface ShardTarget {
  checkId: string;
  environment: string;
}

export interface Shard {
  /** `<region>-<schedule>-<n>`, e.g. `eu-west-1-5m-0`; only `[a-z0-9-]`. */
  id: string;
  region: string;
  schedule: Schedule;
  periodSeconds: number;
  targets: ShardTarget[];
}

export interface PlanShardsOptions {
  maxChecksPerShard?: number;
  /** Period of a cron schedule in seconds (lib/config/schedule.ts); without it cron counts as 1 hour. */
  cronPeriod?: (expression: string) => number;
}

/** Schedule as an id fragment: `5m` stays `5m`; a cron expression becomes a short stable hash. */
function scheduleSlug(schedule: Schedule): string {
  if (/^[0-9]+[mh]$/.test(schedule)) return schedule;
  // FNV-1a keeps ids stable across runs and machines without a crypto import.
  let hash = 0x811c9dc5;
  for (let i = 0; i < schedule.length; i++) {
    hash ^= schedule.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `cron${hash.toString(16).padStart(8, '0')}`;
}

function safeRegion(region: string): string {
  return region.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

/**
 * Deterministic: the same fleet always gives the same shards, in the same order, with the
 * same ids, so redeploys do not move checks between functions or rename schedules.
 * Targets keep the fleet's check order and then environment order within a shard.
 */
export function planShards(fleet: Fleet, options: PlanShardsOptions = {}): Shard[] {
  const max = options.maxChecksPerShard ?? DEFAULT_MAX_CHECKS_PER_SHARD;
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`maxChecksPerShard: expected a positive integer, received ${String(max)}`);
  }
  const groups = new Map<string, { region: string; schedule: Schedule; targets: ShardTarget[] }>();
  for (const check of fleet.checks) {
    const settings = resolveSettings(fleet, check);
    for (const region of settings.regions) {
      const key = `${region}\u0000${settings.schedule}`;
      let group = groups.get(key);
      if (!group) {
        group = { region, schedule: settings.schedule, targets: [] };
        groups.set(key, group);
      }
      for (const environment of settings.environments) {
        group.targets.push({ checkId: check.id, environment });
      }
    }
  }
  const shards: Shard[] = [];
  for (const group of groups.values()) {
    const prefix = `${safeRegion(group.region)}-${scheduleSlug(group.schedule)}`;
    const periodSeconds = periodSecondsOf(group.schedule, options.cronPeriod);
    for (let start = 0, n = 0; start < group.targets.length; start += max, n++) {
      shards.push({
        id: `${prefix}-${n}`,
        region: group.region,
        schedule: group.schedule,
        periodSeconds,
        targets: group.targets.slice(start, start + max),
      });
    }
  }
  return shards.sort((a, b) => compareIds(a.id, b.id));
}

/** Orders `x-5m-2` before `x-5m-10`: the shard number compares as a number. */
function compareIds(a: string, b: string): number {
  const [pa, na] = splitId(a);
  const [pb, nb] = splitId(b);
  if (pa !== pb) return pa < pb ? -1 : 1;
  return na - nb;
}

function splitId(id: string): [string, number] {
  const dash = id.lastIndexOf('-');
  return [id.slice(0, dash), Number(id.slice(dash + 1))];
}

/** The shard's targets that still exist in the fleet (safe against a stale event). */
export function findShard(shards: readonly Shard[], id: string): Shard | undefined {
  return shards.find((shard) => shard.id === id);
}
