// The post-deploy smoke gate: the critical-path checks against each chosen environment, in
// parallel (each environment within its own origins' rate limits), every failure retried once
// so a pass on retry shows as flaky, plus a read of each service's deployed version.
import type { Check, Fleet } from '../model/fleet.js';
import type { CheckResult } from '../model/result.js';
import type { PlannedCheck, RateLimiterRegistry, RunOptions } from '../runner/api.js';
import { runPlan, selectChecks } from '../runner/runPlan.js';
import { createRateLimiterRegistry } from '../runner/tokenBucket.js';
import type { VersionProbe } from './versionChecks.js';
import { judgeVersion, versionProbes } from './versionChecks.js';

export const DEFAULT_VERIFY_DEADLINE_MS = 120_000;
export const SMOKE_TAG = 'smoke';

/** Verify's default selection: the critical path, i.e. tagged `smoke` or of severity `critical`. */
export function isCriticalPath(check: Check): boolean {
  return (check.tags ?? []).includes(SMOKE_TAG) || check.severity === 'critical';
}

export interface VerifyPlan {
  environment: string;
  planned: PlannedCheck[];
  versionProbes: VersionProbe[];
}

/** What verify will run, per environment; the version reads come last in each plan. */
export function planVerify(fleet: Fleet, environments: readonly string[], tags: readonly string[] | undefined, expectedVersion: string | undefined): VerifyPlan[] {
  return environments.map((environment) => {
    const selected = selectChecks(fleet, { environments: [environment], ...(tags ? { tags: [...tags] } : {}) }).filter((p) => tags !== undefined || isCriticalPath(p.check));
    const probes = expectedVersion === undefined ? [] : versionProbes(fleet, selected.map((p) => p.check), expectedVersion);
    return { environment, planned: [...selected, ...probes.map((probe) => ({ check: probe.check, environment }))], versionProbes: probes };
  });
}

export interface VerifyRunOptions extends Omit<RunOptions, 'retriesOverride' | 'rateLimiters' | 'onCheckEnd'> {
  expectedVersion?: string;
  rateLimiters?: RateLimiterRegistry;
  onCheckEnd?: (result: CheckResult, planned: PlannedCheck) => void;
}

export interface EnvironmentOutcome {
  environment: string;
  results: CheckResult[];
  /** Planned checks that produced no result (cut by an interrupt). */
  missing: number;
}

/** One retry for every failure, of any kind: a smoke gate must not be flaky, nor hide flakiness. */
export const VERIFY_RETRIES = { count: 1, onlyOn: 'any' } as const;

export async function runVerify(plans: readonly VerifyPlan[], options: VerifyRunOptions): Promise<EnvironmentOutcome[]> {
  // One registry for every environment: buckets are per origin, so environments on different
  // origins do not slow each other, and two environments sharing an origin share its limit.
  const rateLimiters = options.rateLimiters ?? createRateLimiterRegistry(options.fleet);
  const { expectedVersion, onCheckEnd, ...runOptions } = options;
  return Promise.all(
    plans.map(async (plan): Promise<EnvironmentOutcome> => {
      const probeById = new Map(plan.versionProbes.map((p) => [p.check.id, p]));
      const plannedById = new Map(plan.planned.map((p) => [p.check.id, p]));
      const judge = (result: CheckResult): CheckResult => {
        const probe = probeById.get(result.checkId);
        return probe && expectedVersion !== undefined ? judgeVersion(result, probe, expectedVersion) : result;
      };
      const raw = await runPlan(plan.planned, {
        ...runOptions,
        retriesOverride: VERIFY_RETRIES,
        rateLimiters,
        onCheckEnd: (result) => {
          const planned = plannedById.get(result.checkId);
          if (planned) onCheckEnd?.(judge(result), planned);
        },
      });
      const results = raw.map(judge);
      return { environment: plan.environment, results, missing: Math.max(0, plan.planned.length - results.length) };
    }),
  );
}

export interface EnvironmentSummary {
  environment: string;
  total: number;
  passed: number;
  failed: number;
  flaky: number;
  skipped: number;
  /** Versions seen per service (undefined when not asked or not read). */
  versions: Record<string, string | null>;
  healthy: boolean;
}

export function summarizeEnvironment(outcome: EnvironmentOutcome, plan: VerifyPlan): EnvironmentSummary {
  const versions: Record<string, string | null> = {};
  for (const probe of plan.versionProbes) {
    versions[probe.service] = outcome.results.find((r) => r.checkId === probe.check.id)?.version ?? null;
  }
  const skipped = outcome.results.filter((r) => r.skipped === true).length;
  const failed = outcome.results.filter((r) => !r.ok && r.skipped !== true).length;
  const passed = outcome.results.filter((r) => r.ok && r.skipped !== true).length;
  return {
    environment: outcome.environment,
    total: plan.planned.length,
    passed,
    failed,
    flaky: outcome.results.filter((r) => r.ok && r.flaky).length,
    skipped,
    versions,
    healthy: failed === 0 && skipped === 0 && outcome.missing === 0,
  };
}
