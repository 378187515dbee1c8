// Runs many planned checks with a concurrency limit and one rate-limiter registry,
// returning results in input order. The run's deadline and signal stop new checks from
// starting (they come back as skipped) and cut the running ones.
import type { Fleet } from '../model/fleet.js';
import type { CheckResult } from '../model/result.js';
import { DEFAULT_CONCURRENCY, resolveSettings } from '../config/resolve.js';
import type { CheckFilter, PlannedCheck, RunOptions } from './api.js';
import { runCheck, skippedResult } from './runCheck.js';
import { createRateLimiterRegistry } from './tokenBucket.js';

export async function runPlan(items: PlannedCheck[], options: RunOptions): Promise<CheckResult[]> {
  const shared: RunOptions = { ...options, rateLimiters: options.rateLimiters ?? createRateLimiterRegistry(options.fleet) };
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? options.fleet.defaults?.concurrency ?? DEFAULT_CONCURRENCY));
  const results = new Array<CheckResult | undefined>(items.length);
  let next = 0;

  const finish = (index: number, result: CheckResult): void => {
    results[index] = result;
    try {
      options.onCheckEnd?.(result);
    } catch {
      // A reporter's bug must not stop the run or lose results.
    }
  };

  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const planned = items[index];
      if (!planned) continue;
      if (shared.signal?.aborted) {
        finish(index, skippedResult(planned, shared, 'the run was stopped'));
      } else if (shared.deadline !== undefined && Date.now() >= shared.deadline) {
        finish(index, skippedResult(planned, shared, "the run's deadline passed"));
      } else {
        finish(index, await runCheck(planned, shared));
      }
    }
  };

  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, () => worker()));
  return results.map((result, index) => result ?? skippedResult(items[index] as PlannedCheck, shared, 'it was never scheduled'));
}

function compileGrep(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`grep: expected a regular expression, received '${pattern}' (${reason})`);
  }
}

/** One item per check × environment it targets, narrowed by the filter. Throws on an invalid grep pattern. */
export function selectChecks(fleet: Fleet, filter: CheckFilter): PlannedCheck[] {
  const grep = filter.grep !== undefined ? compileGrep(filter.grep) : undefined;
  const planned: PlannedCheck[] = [];
  for (const check of fleet.checks) {
    const settings = resolveSettings(fleet, check);
    if (filter.ids && !filter.ids.includes(check.id)) continue;
    if (filter.tags && filter.tags.length > 0 && !filter.tags.some((tag) => settings.tags.includes(tag))) continue;
    if (grep && !grep.test(check.id) && !grep.test(check.name)) continue;
    if (filter.region !== undefined && !settings.regions.includes(filter.region)) continue;
    for (const environment of settings.environments) {
      if (filter.environments && !filter.environments.includes(environment)) continue;
      planned.push({ check, environment });
    }
  }
  return planned;
}
