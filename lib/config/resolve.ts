// Fills every optional setting of a check from the fleet defaults, so that the runner,
// the Lambda probe, the CDK constructs and the local monitor all read the same values.
import type { Check, Fleet, RateLimit, RetryPolicy, Schedule } from '../model/fleet.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_SCHEDULE: Schedule = '5m';
export const DEFAULT_RATE_LIMIT: RateLimit = { requestsPerSecond: 5, burst: 5 };
export const DEFAULT_RETRIES: RetryPolicy = { count: 0, backoffMs: 500, onlyOn: 'network' };
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_NAMESPACE = 'ProbeFleet';

export interface ResolvedSettings {
  timeoutMs: number;
  retries: RetryPolicy;
  schedule: Schedule;
  regions: string[];
  environments: string[];
  degradedMs: number | null;
  maxMs: number | null;
  maxBodyBytes: number;
  tags: string[];
}

export function resolveSettings(fleet: Fleet, check: Check): ResolvedSettings {
  const defaults = fleet.defaults ?? {};
  const retries: RetryPolicy = {
    ...DEFAULT_RETRIES,
    ...defaults.retries,
    ...(typeof check.retries === 'number' ? { count: check.retries } : check.retries),
  };
  return {
    timeoutMs: check.timeoutMs ?? defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retries,
    schedule: check.schedule ?? defaults.schedule ?? DEFAULT_SCHEDULE,
    regions: check.regions ?? fleet.regions,
    environments: check.environments ?? Object.keys(fleet.environments),
    degradedMs: check.degradedMs ?? defaults.degradedMs ?? null,
    maxMs: check.maxMs ?? defaults.maxMs ?? null,
    maxBodyBytes: defaults.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    tags: check.tags ?? [],
  };
}

/** The rate limit that applies to requests made while checking one environment. */
export function rateLimitFor(fleet: Fleet, environment: string): RateLimit {
  return fleet.environments[environment]?.rateLimit ?? fleet.defaults?.rateLimit ?? DEFAULT_RATE_LIMIT;
}

export function namespaceOf(fleet: Fleet): string {
  return fleet.namespace ?? DEFAULT_NAMESPACE;
}
