// What the deployed fleet does in a month, in countable units: invocations, seconds of Lambda,
// metrics, datums, alarm metrics, log bytes, requests per environment. No prices here — the
// estimate multiplies these by lib/cost/prices.ts.
import { DEFAULT_CONCURRENCY, rateLimitFor, resolveSettings } from '../config/resolve.js';
import { periodSecondsOf } from '../config/schedulePeriod.js';
// The CDK app's pure planning (no aws-cdk-lib in it): the same targets, alarm groups and
// dashboard pages as what `cdk deploy` creates.
import { HOME_HEALTH_ALARM_METRICS_PER_REGION, REGION_HEALTH_ALARM_METRICS, shardHealthAlarmMetrics } from '../infra/fleetHealthPlan.js';
import { planCertificateEndpoints } from '../alerting/certificateEndpoints.js';
import { MAX_ALARMS_PER_COMPOSITE, planTargets, regionGroups, serviceGroups } from '../infra/plan.js';
import type { TargetPlan } from '../infra/plan.js';
import { planShards } from '../lambda/shards.js';
import { planTraffic } from '../lambda/trafficPlan.js';
import { isSecretRef } from '../model/defineFleet.js';
import type { Check, Fleet, RateLimit, Schedule } from '../model/fleet.js';
import { needsNotifyFunction } from '../notify/notifyConfig.js';
import { SECONDS_PER_MONTH } from './prices.js';

/** Every assumption the estimate rests on, with its default; each one is an input. */
export interface UsageAssumptions {
  /**
   * Memory of every probe function. Undefined: derived per shard exactly as the CDK app sizes
   * it (see probeMemoryMb).
   */
  memoryMb?: number;
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
  avgCheckMs: 500,
  invocationOverheadMs: 200,
  resultLogBytes: 1500,
  invocationLogBytes: 500,
  requestLogBytes: 400,
  platformLogBytes: 300,
  logRetentionDays: 30,
  secretCacheMinutes: 5,
};

/**
 * The memory the CDK app gives the function of a shard of `targets` checks: 256 MB per started
 * 100 checks (a full shard of 25 gets 256 MB), at most 1769 MB (one vCPU), sized from the
 * measured peak RSS of a 100-check shard (`npm run bench:lambda`). Mirrors shardSizing in
 * lib/infra/probeFunction.ts, which this runtime code may not import (it loads aws-cdk-lib);
 * test/cost/infraParity.test.ts keeps the two equal.
 */
export function probeMemoryMb(targets: number): number {
  return Math.min(1769, 256 * Math.max(1, Math.ceil(targets / 100)));
}

/** Metrics published per check result besides phases: Success, Duration, Degraded. */
export const BASE_METRICS_PER_TARGET = 3;
/** dns, connect, tls, ttfb, transfer — only with `detailedTimings`. */
export const PHASE_METRICS = 5;
/** Per region: ChecksRun, ChecksSkipped, PublishFailures. */
export const FLEET_HEALTH_METRICS_PER_REGION = 3;
/** Per TLS endpoint: a warning and a critical alarm, each on its one CertificateDaysRemaining metric. */
export const CERTIFICATE_ALARMS_PER_ENDPOINT = 2;
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
  critical: boolean;
  regions: string[];
  periodSeconds: number;
  /** Runs per month in one region. */
  runsPerRegion: number;
  /** Requests one run makes (flow steps; 1 otherwise; retries are not counted). */
  requestsPerRun: number;
  /** Custom metrics per region: 3, + 5 phases (certificates are per endpoint: FleetUsage.certificateEndpoints). */
  metricsPerRegion: number;
  seesCertificate: boolean;
  detailedTimings: boolean;
  /**
   * Metrics referenced by this target's metric alarms (each costs one alarm metric). Certificate
   * alarms belong to endpoints: each target carries its share of its endpoints' pairs.
   */
  alarmMetrics: { availability: number; latency: number; certificate: number };
  /** Composite alarms of its own: one when its regions exceed one metric-math alarm (10). */
  compositeAlarms: number;
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
  memoryMb: number;
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
  gbSecondsPerMonth: number;
}

export interface EnvironmentTraffic {
  environment: string;
  rateLimit: RateLimit;
  /** Synthetic requests per month reaching this environment, from all regions together. */
  requestsPerMonth: number;
  /** The same, per minute on average. */
  requestsPerMinute: number;
}

/**
 * The synthetic traffic one origin (`scheme://host:port`) receives from the whole deployed fleet,
 * beside its limit (lib/lambda/trafficPlan.ts). Keeps the per-environment fields of
 * EnvironmentTraffic: `environment` is the first environment whose checks reach the origin.
 */
export interface OriginTrafficUsage extends EnvironmentTraffic {
  origin: string;
  /** The origin's limit, shared out to every run of every shard and region that reaches it. */
  requestsPerSecond: number;
  burst: number;
  /** The most requests all shards and regions together can send it in any one-second window (≤ burst + requestsPerSecond). */
  peakPerSecond: number;
  environments: string[];
  regions: string[];
  shards: number;
  checks: number;
  /** First-attempt requests of one run of every shard that reaches it. */
  requestsPerRound: number;
  /** Seconds each run needs at its share of the limit, and the shortest run window its schedules leave. */
  secondsNeeded: number;
  secondsAvailable: number;
}

export interface FleetUsage {
  assumptions: UsageAssumptions;
  /** Regions that run at least one shard: each has a heartbeat alarm. */
  regions: string[];
  concurrency: number;
  targets: TargetUsage[];
  shards: ShardUsage[];
  environments: EnvironmentTraffic[];
  /** Per origin: requests, the limit and the fleet's peak in any one second. */
  origins: OriginTrafficUsage[];
  /**
   * Every service gets a composite (over its critical targets, or all of them when none is
   * critical), one per environment when its targets run against several.
   */
  services: { service: string; environment: string | undefined; compositeAlarms: number }[];
  /** Metrics each dashboard graphs: the fleet's one dashboard (the overview with its per-check section). */
  dashboardMetrics: number[];
  /**
   * TLS endpoints with a certificate alarm pair: each is one `CertificateDaysRemaining` metric
   * (no Region dimension; published about once a day, every run near expiry; counted here as a
   * whole metric, an upper bound) and two alarm metrics.
   */
  certificateEndpoints: number;
  /** Alarms on SQS dead-letter queues: the topics' subscription queue, and the notify function's. */
  deadLetterAlarms: number;
  /** The customer managed keys: the one that encrypts the pager and chat topics, and one per operator topic (a region with probes, and home). */
  kmsKeys: number;
  /**
   * Metrics referenced by the fleet-health alarms (lib/infra/fleetHealthPlan.ts): per shard,
   * silence (1, when its schedule allows) and failures (3); per probe region 4; in the home
   * region 1 per probe region.
   */
  fleetHealthAlarmMetrics: number;
  /** Secret names referenced anywhere in the fleet. */
  secretNames: string[];
  hasNotifyFunction: boolean;
}

function requestsPerRun(check: Check): number {
  return check.kind === 'flow' ? Math.max(1, check.steps.length) : 1;
}

/** Whether runs against this environment see a certificate. */
function seesCertificate(fleet: Fleet, check: Check, environment: string): boolean {
  if (check.kind === 'tls') return true;
  if (check.kind === 'dns' || check.kind === 'tcp') return false;
  const base = fleet.environments[environment]?.baseUrl ?? '';
  // A browser journey starts at its url (default `/`); what else the page loads is not known here.
  const urls = check.kind === 'flow' ? check.steps.map((s) => s.url) : [check.url ?? '/'];
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

/** Alarm metrics and composites of one target, as lib/infra builds them. */
function alarmsOf(plan: TargetPlan): Pick<TargetUsage, 'alarmMetrics' | 'compositeAlarms'> {
  const groups = regionGroups(plan.regions);
  const quorum = plan.policy.availability.quorum;
  // Up to 10 regions: one metric-math alarm over one Success metric per region. Beyond: per
  // group, one alarm per "at least k of this group fail" (k ≤ quorum), ORed by a composite.
  // With a quorum above the minimum, one more child per group ("no region passed").
  const nonePassing = groups.length > 1 && quorum > plan.policy.availability.minFailingRegions ? plan.regions.length : 0;
  const availability =
    groups.length === 1 ? plan.regions.length : groups.reduce((n, g) => n + Math.min(g.length, quorum) * g.length, 0) + nonePassing;
  return {
    alarmMetrics: {
      availability,
      // One MAX over the per-region series per group: every region referenced once per alarm.
      latency: plan.policy.latency ? plan.regions.length : 0,
      // Filled in from the endpoint plans (lib/alerting/certificateEndpoints.ts).
      certificate: 0,
    },
    compositeAlarms: groups.length === 1 ? 0 : 1,
  };
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
  const checks = new Map(fleet.checks.map((c) => [c.id, c]));
  const key = (checkId: string, environment: string): string => `${checkId}\u0000${environment}`;
  const plans = planTargets(fleet);
  const targets = new Map<string, TargetUsage>();

  for (const plan of plans) {
    const check = plan.check;
    const settings = resolveSettings(fleet, check);
    const periodSeconds = periodSecondsOf(settings.schedule, cronPeriod);
    const cert = seesCertificate(fleet, check, plan.environment);
    const detailed = check.detailedTimings === true;
    const runsPerRegion = SECONDS_PER_MONTH / periodSeconds;
    const perRun = requestsPerRun(check);
    targets.set(key(check.id, plan.environment), {
      target: plan.target,
      checkId: check.id,
      environment: plan.environment,
      service: check.service,
      critical: check.severity === 'critical',
      regions: plan.regions,
      periodSeconds,
      runsPerRegion,
      requestsPerRun: perRun,
      metricsPerRegion: BASE_METRICS_PER_TARGET + (detailed ? PHASE_METRICS : 0),
      seesCertificate: cert,
      detailedTimings: detailed,
      ...alarmsOf(plan),
      logBytesPerMonth: runsPerRegion * plan.regions.length * (a.resultLogBytes + perRun * a.requestLogBytes),
      shareOfInvocations: 0,
      shareOfGbSeconds: 0,
      shareOfPutMetricData: 0,
    });
  }

  const shards: ShardUsage[] = [];
  const options = {
    ...(a.maxChecksPerShard === undefined ? {} : { maxChecksPerShard: a.maxChecksPerShard }),
    ...(cronPeriod ? { cronPeriod } : {}),
  };
  const shardSchedules = new Map<string, Schedule>();
  const plannedShards = planShards(fleet, options);
  for (const shard of plannedShards) {
    shardSchedules.set(shard.id, shard.schedule);
    const invocations = SECONDS_PER_MONTH / shard.periodSeconds;
    const waves = Math.ceil(shard.targets.length / concurrency);
    const requestsByEnvironment = new Map<string, number>();
    let datums = INVOCATION_DATUMS;
    for (const t of shard.targets) {
      const usage = targets.get(key(t.checkId, t.environment));
      if (!usage || !checks.has(t.checkId)) continue;
      requestsByEnvironment.set(t.environment, (requestsByEnvironment.get(t.environment) ?? 0) + usage.requestsPerRun);
      datums += usage.metricsPerRegion;
    }
    // A token bucket per environment: after the burst, requests leave at the sustained rate,
    // so a shard that sends many requests to one origin runs at least this long.
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
    const memoryMb = a.memoryMb ?? probeMemoryMb(shard.targets.length);
    const putMetricDataPerInvocation = Math.ceil(datums / MAX_DATUMS_PER_PUT);
    const gbSeconds = invocations * (durationMs / 1000) * (memoryMb / 1024);
    shards.push({
      id: shard.id,
      region: shard.region,
      periodSeconds: shard.periodSeconds,
      targets: shard.targets.length,
      memoryMb,
      invocationsPerMonth: invocations,
      durationMs,
      rateLimitFloorMs: Math.ceil(rateLimitFloorMs),
      rateLimited: rateLimitFloorMs > waves * a.avgCheckMs,
      overrunsPeriod: neededMs > shard.periodSeconds * 1000,
      putMetricDataPerInvocation,
      gbSecondsPerMonth: gbSeconds,
    });
    for (const t of shard.targets) {
      const usage = targets.get(key(t.checkId, t.environment));
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

  // One composite per service, or per service and environment when its targets span several (as lib/infra builds them).
  const services = [...new Set(fleet.checks.map((c) => c.service))].flatMap((service) =>
    serviceGroups(service, [...targets.values()].filter((t) => t.service === service)).map(({ environment, own }) => {
      const critical = own.filter((t) => t.critical);
      const members = (critical.length > 0 ? critical : own).length;
      // A composite rule names at most 100 alarms: larger services get parts under the service alarm.
      return { service, environment, compositeAlarms: members > MAX_ALARMS_PER_COMPOSITE ? 1 + Math.ceil(members / MAX_ALARMS_PER_COMPOSITE) : 1 };
    }),
  );

  const all = [...targets.values()];

  // One certificate alarm pair per TLS endpoint, however many targets see it (as lib/infra
  // builds them); each dependent target carries an equal share of the pair.
  const certificatePlans = planCertificateEndpoints(fleet, plans);
  for (const plan of certificatePlans) {
    for (const d of plan.dependents) {
      const usage = targets.get(key(d.check.id, d.environment));
      if (usage) usage.alarmMetrics.certificate += CERTIFICATE_ALARMS_PER_ENDPOINT / plan.dependents.length;
    }
  }
  // One dashboard per fleet (lib/infra/dashboard.ts): the fleet-health metrics of each region,
  // and the per-check section (Success and Duration p50 and p95 per fleet region, and one
  // CertificateDaysRemaining when the fleet has a TLS endpoint), which its variables point at
  // any target. Further overview pages come only past 500 widgets and are not counted here.
  const shardRegionCount = new Set(shards.map((s) => s.region)).size;
  const checkSectionMetrics = plans.length > 0 ? fleet.regions.length * 3 + (certificatePlans.length > 0 ? 1 : 0) : 0;
  const dashboardMetrics = [FLEET_HEALTH_METRICS_PER_REGION * shardRegionCount + checkSectionMetrics];

  const secretNames = new Set<string>();
  collectSecretNames(fleet, secretNames);
  const notify = needsNotifyFunction(fleet);
  const shardRegions = new Set(shards.map((s) => s.region));

  return {
    assumptions: a,
    regions: fleet.regions.filter((r) => shardRegions.has(r)),
    concurrency,
    targets: all,
    shards,
    environments: [...trafficByEnvironment].map(([environment, requestsPerMonth]) => ({
      environment,
      rateLimit: rateLimitFor(fleet, environment),
      requestsPerMonth,
      requestsPerMinute: requestsPerMonth / (SECONDS_PER_MONTH / 60),
    })),
    origins: planTraffic(fleet, plannedShards).origins.map((o) => ({
      origin: o.origin,
      environment: o.environments[0] ?? '',
      rateLimit: { requestsPerSecond: o.requestsPerSecond, burst: o.burst },
      requestsPerMonth: o.averagePerSecond * SECONDS_PER_MONTH,
      requestsPerMinute: o.averagePerSecond * 60,
      requestsPerSecond: o.requestsPerSecond,
      burst: o.burst,
      peakPerSecond: o.peakPerSecond,
      environments: o.environments,
      regions: o.regions,
      shards: o.shards,
      checks: o.checks.length,
      requestsPerRound: o.requestsPerRound,
      secondsNeeded: o.secondsNeeded,
      secondsAvailable: o.secondsAvailable,
    })),
    services,
    dashboardMetrics,
    certificateEndpoints: certificatePlans.length,
    deadLetterAlarms: notify ? 2 : 1,
    kmsKeys: 1 + new Set([...shardRegions, fleet.homeRegion]).size,
    fleetHealthAlarmMetrics:
      shards.reduce((n, s) => {
        const metrics = shardHealthAlarmMetrics({ schedule: shardSchedules.get(s.id)!, periodSeconds: s.periodSeconds });
        return n + metrics.silence + metrics.failures;
      }, 0) +
      shardRegions.size * (REGION_HEALTH_ALARM_METRICS + HOME_HEALTH_ALARM_METRICS_PER_REGION),
    secretNames: [...secretNames].sort(),
    hasNotifyFunction: notify,
  };
}
