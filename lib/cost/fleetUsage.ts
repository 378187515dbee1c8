// What the deployed fleet does in a month, in countable units: invocations, seconds of Lambda,
// metrics, datums, alarm metrics, log bytes, requests per environment. No prices here — the
// estimate multiplies these by lib/cost/prices.ts.
import { alarmPolicyFor } from '../alerting/policy.js';
import { checkTarget } from '../alerting/naming.js';
import { DEFAULT_CONCURRENCY, rateLimitFor, resolveSettings } from '../config/resolve.js';
import { periodSecondsOf } from '../config/schedulePeriod.js';
import { planShards } from '../lambda/shards.js';
import { isSecretRef } from '../model/defineFleet.js';
import type { Check, Fleet, RateLimit } from '../model/fleet.js';
import { SECONDS_PER_MONTH } from './prices.js';

/** Every assumption the estimate rests on, with its default; each one is an input. */
export interface UsageAssumptions {
  /** Memory of each regional probe function. */
  memoryMb: number;
  /** Average wall time of one check, network included. */
  avgCheckMs: number;
  /** Per invocation: start-up inside the handler, publishing and logging. */
  invocationOverheadMs: number;
  /** Passed to the shard planner, as the CDK app does. */
  maxChecksPerShard?: number;
  /** One JSON log line per check result. */
  resultLogBytes: number;
  /** One JSON log line per invocation (shard, region, counts, duration). */
  invocationLogBytes: number;
  /** One JSON log line per request made by a check. */
  requestLogBytes: number;
  /** Lambda's own START/END/REPORT lines per invocation. */
  platformLogBytes: number;
  /** Days the probe log groups keep their lines. */
  logRetentionDays: number;
  /** How long a probe container caches a secret before asking Secrets Manager again. */
  secretCacheMinutes: number;
}

export const DEFAULT_ASSUMPTIONS: UsageAssumptions = {
  memoryMb: 256,
  avgCheckMs: 500,
  invocationOverheadMs: 200,
  resultLogBytes: 1500,
  invocationLogBytes: 500,
  requestLogBytes: 400,
  platformLogBytes: 300,
  logRetentionDays: 30,
  secretCacheMinutes: 5,
};

/** Metrics published per check result besides phases: Success, Duration, Degraded. */
export const BASE_METRICS_PER_TARGET = 3;
/** dns, connect, tls, ttfb, transfer — only with `detailedTimings`. */
export const PHASE_METRICS = 5;
/** Per region: ChecksRun, ChecksSkipped, PublishFailures. */
export const FLEET_HEALTH_METRICS_PER_REGION = 3;
/** Per invocation datums besides check results: ChecksRun, ChecksSkipped. */
export const INVOCATION_DATUMS = 2;
export const MAX_DATUMS_PER_PUT = 1000;

/** One check against one environment, wherever it runs. */
export interface TargetUsage {
  /** Metric dimension / alarm subject: `<checkId>` or `<checkId>.<environment>`. */
  target: string;
  checkId: string;
  environment: string;
  service: string;
  regions: string[];
  periodSeconds: number;
  /** Runs per month in one region. */
  runsPerRegion: number;
  /** Requests one run makes (flow steps; 1 otherwise; retries are not counted). */
  requestsPerRun: number;
  /** Custom metrics per region: 3, + CertDaysRemaining when a certificate is seen, + 5 phases. */
  metricsPerRegion: number;
  seesCertificate: boolean;
  detailedTimings: boolean;
  /** Metrics referenced by this target's alarms. */
  alarmMetrics: { availability: number; latency: number; certificate: number };
  logBytesPerMonth: number;
  /** Filled from the shard it runs in: its share of invocations, GB-seconds and PutMetricData calls. */
  shareOfInvocations: number;
  shareOfGbSeconds: number;
  shareOfPutMetricData: number;
}

export interface ShardUsage {
  id: string;
  region: string;
  periodSeconds: number;
  targets: number;
  invocationsPerMonth: number;
  /** Billed duration of one invocation. */
  durationMs: number;
  /** The shortest run the rate limits allow for this shard's requests (0 when within the bursts). */
  rateLimitFloorMs: number;
  /** The rate limits, not concurrency, set how long the shard runs. */
  rateLimited: boolean;
  /** The checks need longer than the period: some would be skipped every run. */
  overrunsPeriod: boolean;
  putMetricDataPerInvocation: number;
}

export interface EnvironmentTraffic {
  environment: string;
  rateLimit: RateLimit;
  /** Synthetic requests per month reaching this environment, from all regions together. */
  requestsPerMonth: number;
  /** The same, per minute on average. */
  requestsPerMinute: number;
}

export interface FleetUsage {
  assumptions: UsageAssumptions;
  regions: string[];
  concurrency: number;
  targets: TargetUsage[];
  shards: ShardUsage[];
  environments: EnvironmentTraffic[];
  /** Services with at least one critical check: each gets a composite alarm. */
  servicesWithCriticalChecks: string[];
  /** Secret names referenced anywhere in the fleet. */
  secretNames: string[];
  /** A notify function (and its dead-letter alarm) exists when webhooks or a PagerDuty key are configured. */
  hasNotifyFunction: boolean;
}

function requestsPerRun(check: Check): number {
  return check.kind === 'flow' ? Math.max(1, check.steps.length) : 1;
}

/** Whether runs against this environment see a certificate, so publish `CertDaysRemaining`. */
function seesCertificate(fleet: Fleet, check: Check, environment: string): boolean {
  if (check.kind === 'tls') return true;
  if (check.kind === 'dns' || check.kind === 'tcp') return false;
  const base = fleet.environments[environment]?.baseUrl ?? '';
  const urls = check.kind === 'http' ? [check.url] : check.steps.map((s) => s.url);
  return urls.some((u) => u.startsWith('https:') || (!/^[a-z][a-z0-9+.-]*:/i.test(u) && base.startsWith('https:')));
}

function collectSecretNames(value: unknown, into: Set<string>, depth = 0): void {
  // Fleet definitions are plain data; the depth bound only guards against a cyclic object.
  if (depth > 64 || typeof value !== 'object' || value === null) return;
  if (isSecretRef(value)) {
    into.add(value.$secret);
    return;
  }
  for (const child of Array.isArray(value) ? value : Object.values(value)) collectSecretNames(child, into, depth + 1);
}

function hasNotifyFunction(fleet: Fleet): boolean {
  const routes = [fleet.alerting?.pager, fleet.alerting?.chat];
  return routes.some((r) => (r?.webhooks?.length ?? 0) > 0 || r?.pagerDutyRoutingKey !== undefined);
}

/**
 * A cron schedule is priced at its shortest gap between firings (an upper bound for crons
 * with uneven gaps); `cronPeriod` replaces that computation.
 */
export function measureFleetUsage(
  fleet: Fleet,
  assumptions: UsageAssumptions = DEFAULT_ASSUMPTIONS,
  cronPeriod?: (expression: string) => number,
): FleetUsage {
  const a = assumptions;
  const concurrency = Math.max(1, fleet.defaults?.concurrency ?? DEFAULT_CONCURRENCY);
  const targets = new Map<string, TargetUsage>();
  const regionSet = new Set<string>();

  for (const check of fleet.checks) {
    const settings = resolveSettings(fleet, check);
    const policy = alarmPolicyFor(fleet, check);
    const regions = settings.regions;
    const periodSeconds = periodSecondsOf(settings.schedule, cronPeriod);
    for (const region of regions) regionSet.add(region);
    for (const environment of settings.environments) {
      const cert = seesCertificate(fleet, check, environment);
      const detailed = check.detailedTimings === true;
      const runsPerRegion = SECONDS_PER_MONTH / periodSeconds;
      const perRun = requestsPerRun(check);
      const runs = runsPerRegion * regions.length;
      targets.set(`${check.id}\u0000${environment}`, {
        target: checkTarget(check.id, environment, settings.environments.length),
        checkId: check.id,
        environment,
        service: check.service,
        regions,
        periodSeconds,
        runsPerRegion,
        requestsPerRun: perRun,
        metricsPerRegion: BASE_METRICS_PER_TARGET + (cert ? 1 : 0) + (detailed ? PHASE_METRICS : 0),
        seesCertificate: cert,
        detailedTimings: detailed,
        alarmMetrics: {
          availability: regions.length,
          latency: policy.latency ? regions.length : 0,
          certificate: policy.certificate ? 2 * regions.length : 0,
        },
        logBytesPerMonth: runs * (a.resultLogBytes + perRun * a.requestLogBytes),
        shareOfInvocations: 0,
        shareOfGbSeconds: 0,
        shareOfPutMetricData: 0,
      });
    }
  }

  const shards: ShardUsage[] = [];
  const options = {
    ...(a.maxChecksPerShard === undefined ? {} : { maxChecksPerShard: a.maxChecksPerShard }),
    ...(cronPeriod ? { cronPeriod } : {}),
  };
  for (const shard of planShards(fleet, options)) {
    const invocations = SECONDS_PER_MONTH / shard.periodSeconds;
    const waves = Math.ceil(shard.targets.length / concurrency);
    // A token bucket per environment: after the burst, requests leave at the sustained rate,
    // so a shard that sends many requests to one origin runs at least this long.
    const requestsByEnvironment = new Map<string, number>();
    let datums = INVOCATION_DATUMS;
    for (const t of shard.targets) {
      const usage = targets.get(`${t.checkId}\u0000${t.environment}`);
      if (!usage) continue;
      requestsByEnvironment.set(t.environment, (requestsByEnvironment.get(t.environment) ?? 0) + usage.requestsPerRun);
      datums += usage.metricsPerRegion;
    }
    let rateLimitFloorMs = 0;
    for (const [environment, requests] of requestsByEnvironment) {
      const limit = rateLimitFor(fleet, environment);
      if (requests <= limit.burst) continue;
      const waitMs = ((requests - limit.burst) / limit.requestsPerSecond) * 1000 + a.avgCheckMs;
      rateLimitFloorMs = Math.max(rateLimitFloorMs, waitMs);
    }
    const neededMs = Math.ceil(a.invocationOverheadMs + Math.max(waves * a.avgCheckMs, rateLimitFloorMs));
    // The probe stops starting checks at the period's end (they are reported skipped), so no
    // invocation is billed for longer than its period.
    const durationMs = Math.min(neededMs, shard.periodSeconds * 1000);
    const putMetricDataPerInvocation = Math.ceil(datums / MAX_DATUMS_PER_PUT);
    const gbSeconds = invocations * (durationMs / 1000) * (a.memoryMb / 1024);
    shards.push({
      id: shard.id,
      region: shard.region,
      periodSeconds: shard.periodSeconds,
      targets: shard.targets.length,
      invocationsPerMonth: invocations,
      durationMs,
      rateLimitFloorMs: Math.ceil(rateLimitFloorMs),
      rateLimited: rateLimitFloorMs > waves * a.avgCheckMs,
      overrunsPeriod: neededMs > shard.periodSeconds * 1000,
      putMetricDataPerInvocation,
    });
    for (const t of shard.targets) {
      const usage = targets.get(`${t.checkId}\u0000${t.environment}`);
      if (!usage) continue;
      // The invocation's platform and summary lines are shared by the shard's targets.
      usage.logBytesPerMonth += (invocations * (a.invocationLogBytes + a.platformLogBytes)) / shard.targets.length;
      usage.shareOfInvocations += invocations / shard.targets.length;
      usage.shareOfGbSeconds += gbSeconds / shard.targets.length;
      usage.shareOfPutMetricData += (invocations * putMetricDataPerInvocation) / shard.targets.length;
    }
  }

  const trafficByEnvironment = new Map<string, number>();
  for (const t of targets.values()) {
    const perMonth = t.runsPerRegion * t.regions.length * t.requestsPerRun;
    trafficByEnvironment.set(t.environment, (trafficByEnvironment.get(t.environment) ?? 0) + perMonth);
  }
  const secretNames = new Set<string>();
  collectSecretNames(fleet, secretNames);

  return {
    assumptions: a,
    regions: [...regionSet],
    concurrency,
    targets: [...targets.values()],
    shards,
    environments: [...trafficByEnvironment].map(([environment, requestsPerMonth]) => ({
      environment,
      rateLimit: rateLimitFor(fleet, environment),
      requestsPerMonth,
      requestsPerMinute: requestsPerMonth / (SECONDS_PER_MONTH / 60),
    })),
    servicesWithCriticalChecks: [...new Set(fleet.checks.filter((c) => c.severity === 'critical').map((c) => c.service))],
    secretNames: [...secretNames].sort(),
    hasNotifyFunction: hasNotifyFunction(fleet),
  };
}
