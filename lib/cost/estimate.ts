// The monthly cost of a fleet as deployed by the CDK app, line by line, beside the same checks
// run as CloudWatch Synthetics canaries. Pure: a fleet and assumptions in, a value out.
import type { Fleet } from '../model/fleet.js';
import type { FleetUsage, OriginTrafficUsage, ShardUsage, TargetUsage, UsageAssumptions } from './fleetUsage.js';
import { CERTIFICATE_ALARMS_PER_ENDPOINT, DEFAULT_ASSUMPTIONS, FLEET_HEALTH_METRICS_PER_REGION, measureFleetUsage } from './fleetUsage.js';
import type { Price } from './prices.js';
import {
  CUSTOM_METRICS,
  FREE_TIER,
  HOURS_PER_MONTH,
  PRICES,
  PRICES_READ_ON,
  PRICE_REGION,
  priceOf,
  tieredCost,
} from './prices.js';

/** Log volumes are metered in decimal gigabytes here; if AWS meters binary GB the estimate is ~7% high. */
export const BYTES_PER_GB = 1e9;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
/** The pager and chat topics. */
const SNS_TOPICS = 2;

export interface CostEstimateOptions {
  /** Apply the monthly free tiers of Lambda, CloudWatch and Synthetics (default false). */
  freeTier?: boolean;
  assumptions?: Partial<UsageAssumptions>;
  /** Seconds between firings of a cron schedule (default: its shortest gap, lib/config/schedule.ts). */
  cronPeriod?: (expression: string) => number;
}

export type CostGroup =
  | 'Lambda'
  | 'EventBridge'
  | 'CloudWatch metrics'
  | 'CloudWatch alarms'
  | 'CloudWatch dashboards'
  | 'CloudWatch Logs'
  | 'Secrets Manager'
  | 'SNS and KMS';

export interface CostLine {
  id: string;
  group: CostGroup;
  item: string;
  quantity: number;
  /** What the quantity counts: `requests`, `GB-s`, `metrics`, `alarm metrics`… */
  unit: string;
  /** USD per `per` × `priceUnit` (for tiered prices: the average over this quantity). */
  unitPriceUsd: number;
  per: number;
  priceUnit: string;
  /** Units the free tier covered (0 unless `freeTier`). */
  freeQuantity: number;
  monthlyUsd: number;
  /** How the figure was made, when a plain quantity × price does not say it. */
  detail?: string;
}

export interface TypicalCheck {
  /** The check×environment whose attributable cost is the median of the fleet. */
  target: string;
  regions: number;
  periodSeconds: number;
  lines: { id: string; item: string; monthlyUsd: number }[];
  /** Its equal share of what serves the whole fleet (heartbeats, composites, dashboard, secrets). */
  sharedUsd: number;
  totalUsd: number;
}

export interface SyntheticsComparison {
  /** One canary per check×environment per region. */
  canaries: number;
  runsPerMonth: number;
  freeRuns: number;
  /** Canary runs at the per-run price: the least the same checks cost as canaries. */
  runsUsd: number;
  /** Runs plus the alarms and dashboard the same alerting still needs (taken from this estimate). */
  runsWithSameAlarmsUsd: number;
  /** runsUsd ÷ this fleet's total: how many times more the canary runs alone cost. */
  ratio: number;
  /** Per check×environment target, beside `perCheck.usd`: the canary runs alone, and with the same alarms and dashboard. */
  perCheck: { runsUsd: number; runsWithSameAlarmsUsd: number };
  included: string;
  excluded: string;
}

export interface CostEstimate {
  fleet: string;
  homeRegion: string;
  prices: { region: string; readOn: string; hoursPerMonth: number; unconfirmed: string[] };
  freeTier: boolean;
  assumptions: UsageAssumptions;
  counts: {
    checks: number;
    /** check × environment pairs: the unit of metrics and alarms. */
    targets: number;
    regions: number;
    shards: number;
    invocationsPerMonth: number;
    checkRunsPerMonth: number;
    customMetrics: number;
    alarmMetrics: number;
    compositeAlarms: number;
    logGbPerMonth: number;
  };
  lines: CostLine[];
  totalUsd: number;
  perCheck: { targets: number; usd: number; typical: TypicalCheck | null };
  synthetics: SyntheticsComparison;
  /** Each Lambda shard: its checks, memory, billed duration per invocation, invocations a month. */
  shards: ShardUsage[];
  /** Synthetic traffic each environment receives, beside its rate limit. */
  /**
   * Per origin (`scheme://host:port`): its limit, the requests the fleet sends it, and
   * peakPerSecond, the most all shards and regions together can send it in any one second.
   * Each entry also names its first environment, with that origin's limit as `rateLimit`.
   */
  traffic: OriginTrafficUsage[];
  warnings: string[];
  notes: string[];
}

interface LineSpec {
  line: CostLine;
  /** This target's quantity of the line; the rest of the quantity serves the whole fleet. */
  attribute?: (t: TargetUsage) => number;
}

function sum<T>(items: readonly T[], f: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += f(item);
  return total;
}

function flat(id: string, group: CostGroup, item: string, price: Price, quantity: number, free = 0, detail?: string): CostLine {
  const freeQuantity = Math.min(quantity, Math.max(0, free));
  return {
    id,
    group,
    item,
    quantity,
    unit: price.counts,
    unitPriceUsd: price.usd,
    per: price.per,
    priceUnit: price.unit,
    freeQuantity,
    monthlyUsd: priceOf(price, quantity - freeQuantity),
    ...(detail === undefined ? {} : { detail }),
  };
}

function tierDetail(quantity: number, free: number): string {
  const parts: string[] = [];
  let floor = 0;
  let remaining = quantity;
  for (const tier of CUSTOM_METRICS.tiers) {
    if (remaining <= 0) break;
    const inTier = Math.min(remaining, tier.upTo - floor);
    parts.push(`${inTier.toLocaleString('en-US')} × $${tier.usd.toFixed(2)}`);
    remaining -= inTier;
    floor = tier.upTo;
  }
  return parts.join(' + ') + (free > 0 ? ` − ${free} free × $${CUSTOM_METRICS.tiers[0]?.usd.toFixed(2) ?? '0'}` : '');
}

function computeDetail(usage: FleetUsage, invocations: number): string {
  const a = usage.assumptions;
  const averageMs = invocations > 0 ? sum(usage.shards, (s) => s.invocationsPerMonth * s.durationMs) / invocations : 0;
  const rateLimited = usage.shards.filter((s) => s.rateLimited).length;
  return (
    `${usage.shards.length} ${usage.shards.length === 1 ? 'shard' : 'shards'}, ${Math.round(averageMs).toLocaleString('en-US')} ms per invocation on average ` +
    `(${a.invocationOverheadMs} ms + the longer of ⌈checks ÷ ${usage.concurrency}⌉ × ${a.avgCheckMs} ms and the rate-limit floor)` +
    (rateLimited > 0 ? `; the rate limits set the pace of ${rateLimited} of them` : '')
  );
}

function median<T>(items: readonly T[], key: (item: T) => number): T | undefined {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function lineSpecs(usage: FleetUsage, freeTier: boolean): LineSpec[] {
  const a = usage.assumptions;
  const ft = (n: number): number => (freeTier ? n : 0);
  const targets = usage.targets;
  const regions = usage.regions.length;

  const invocations = sum(usage.shards, (s) => s.invocationsPerMonth);
  const gbSeconds = sum(usage.shards, (s) => s.gbSecondsPerMonth);
  const memories = [...new Set(usage.shards.map((s) => s.memoryMb))].sort((x, y) => x - y);
  const memoryLabel =
    memories.length <= 1 ? `${memories[0] ?? a.memoryMb ?? 0} MB` : `${memories[0] ?? 0}–${memories[memories.length - 1] ?? 0} MB by shard`;
  const putCalls = sum(usage.shards, (s) => s.invocationsPerMonth * s.putMetricDataPerInvocation);
  const metrics = sum(targets, (t) => t.metricsPerRegion * t.regions.length) + FLEET_HEALTH_METRICS_PER_REGION * regions + usage.certificateEndpoints;
  const logGb = sum(targets, (t) => t.logBytesPerMonth) / BYTES_PER_GB;
  // Steady state with a retention of R days: R days' worth of lines are stored at any time.
  const storageFactor = a.logRetentionDays / DAYS_PER_MONTH;
  const storedGb = logGb * storageFactor;
  const freeLogGb = ft(FREE_TIER.logGb);
  const freeIngest = Math.min(freeLogGb, logGb);
  const freeStorage = Math.min(freeLogGb - freeIngest, storedGb);

  const freeMetrics = Math.min(metrics, ft(FREE_TIER.customMetrics));
  const metricsUsd = tieredCost(CUSTOM_METRICS, metrics) - freeMetrics * (CUSTOM_METRICS.tiers[0]?.usd ?? 0);

  // Only alarms that list one metric directly get the free alarm metrics: heartbeats and the DLQ alarms.
  const freeAlarmMetrics = ft(FREE_TIER.alarmMetrics);
  const freeHeartbeat = Math.min(regions, freeAlarmMetrics);
  const freeDlq = Math.min(usage.deadLetterAlarms, freeAlarmMetrics - freeHeartbeat);
  const composites = sum(usage.services, (s) => s.compositeAlarms) + sum(targets, (t) => t.compositeAlarms);

  const dashboards = usage.dashboardMetrics.length;
  const smallDashboards = usage.dashboardMetrics.filter((m) => m <= FREE_TIER.dashboardMaxMetrics).length;
  const freeDashboards = freeTier ? Math.min(FREE_TIER.dashboards, smallDashboards) : 0;

  const secretCalls =
    usage.secretNames.length * regions * ((HOURS_PER_MONTH * 60) / Math.max(1, a.secretCacheMinutes));

  const specs: LineSpec[] = [
    {
      line: flat('lambda-requests', 'Lambda', 'Lambda requests', PRICES.lambdaRequests, invocations, ft(FREE_TIER.lambdaRequests)),
      attribute: (t) => t.shareOfInvocations,
    },
    {
      line: flat(
        'lambda-compute',
        'Lambda',
        `Lambda compute (Arm, ${memoryLabel})`,
        PRICES.lambdaArmGbSecond,
        gbSeconds,
        ft(FREE_TIER.lambdaGbSeconds),
        computeDetail(usage, invocations),
      ),
      attribute: (t) => t.shareOfGbSeconds,
    },
    {
      line: flat('eventbridge-rules', 'EventBridge', 'EventBridge schedules (one per shard)', PRICES.eventBridgeScheduledRule, usage.shards.length),
    },
    {
      line: {
        id: 'custom-metrics',
        group: 'CloudWatch metrics',
        item: 'Custom metrics',
        quantity: metrics,
        unit: CUSTOM_METRICS.counts,
        unitPriceUsd: metrics > 0 ? tieredCost(CUSTOM_METRICS, metrics) / metrics : (CUSTOM_METRICS.tiers[0]?.usd ?? 0),
        per: 1,
        priceUnit: `${CUSTOM_METRICS.unit} (tiered average)`,
        freeQuantity: freeMetrics,
        monthlyUsd: metricsUsd,
        detail: tierDetail(metrics, freeMetrics),
      },
      attribute: (t) => t.metricsPerRegion * t.regions.length,
    },
    {
      line: flat('put-metric-data', 'CloudWatch metrics', 'PutMetricData requests', PRICES.putMetricDataRequests, putCalls, ft(FREE_TIER.cloudWatchApiRequests)),
      attribute: (t) => t.shareOfPutMetricData,
    },
    {
      line: flat(
        'alarms-availability',
        'CloudWatch alarms',
        'Availability alarms (metric math, per region metric)',
        PRICES.alarmMetric,
        sum(targets, (t) => t.alarmMetrics.availability),
      ),
      attribute: (t) => t.alarmMetrics.availability,
    },
    {
      line: flat('alarms-latency', 'CloudWatch alarms', 'Latency alarms (per region metric)', PRICES.alarmMetric, sum(targets, (t) => t.alarmMetrics.latency)),
      attribute: (t) => t.alarmMetrics.latency,
    },
    {
      line: flat(
        'alarms-certificate',
        'CloudWatch alarms',
        'Certificate alarms (warning + critical per TLS endpoint)',
        PRICES.alarmMetric,
        usage.certificateEndpoints * CERTIFICATE_ALARMS_PER_ENDPOINT,
      ),
      attribute: (t) => t.alarmMetrics.certificate,
    },
    { line: flat('alarms-heartbeat', 'CloudWatch alarms', 'Heartbeat alarms (one per region)', PRICES.alarmMetric, regions, freeHeartbeat) },
    {
      line: flat(
        'alarms-fleet-health',
        'CloudWatch alarms',
        'Fleet-health alarms (per shard: silence, failures; per region: invocation errors, publish failures, dead letters, secret lookups)',
        PRICES.alarmMetric,
        usage.fleetHealthAlarmMetrics,
      ),
    },
    {
      line: flat(
        'alarms-dead-letter',
        'CloudWatch alarms',
        usage.hasNotifyFunction ? 'Dead-letter queue alarms (topic subscriptions, notify function)' : 'Dead-letter queue alarm (topic subscriptions)',
        PRICES.alarmMetric,
        usage.deadLetterAlarms,
        freeDlq,
      ),
    },
    {
      line: flat('alarms-composite', 'CloudWatch alarms', 'Composite alarms (one per service)', PRICES.compositeAlarm, composites),
      attribute: (t) => t.compositeAlarms,
    },
    {
      line: flat(
        'dashboards',
        'CloudWatch dashboards',
        'Dashboards (one per fleet: overview and per-check view)',
        PRICES.dashboard,
        dashboards,
        freeDashboards,
        `metrics graphed per dashboard: ${usage.dashboardMetrics.join(', ')} (the free tier covers 3 dashboards of up to ${FREE_TIER.dashboardMaxMetrics})`,
      ),
    },
    {
      line: flat('log-ingestion', 'CloudWatch Logs', 'Log ingestion', PRICES.logIngestion, logGb, freeIngest),
      attribute: (t) => t.logBytesPerMonth / BYTES_PER_GB,
    },
    {
      line: flat(
        'log-storage',
        'CloudWatch Logs',
        `Log storage (${a.logRetentionDays}-day retention)`,
        PRICES.logStorage,
        storedGb,
        freeStorage,
        'uncompressed size: an upper bound, AWS charges the compressed size',
      ),
      attribute: (t) => (t.logBytesPerMonth / BYTES_PER_GB) * storageFactor,
    },
    { line: flat('secrets', 'Secrets Manager', 'Secrets', PRICES.secret, usage.secretNames.length) },
    {
      line: flat(
        'secret-api-calls',
        'Secrets Manager',
        'GetSecretValue calls',
        PRICES.secretApiCalls,
        secretCalls,
        0,
        `each region's probe re-reads each secret every ${a.secretCacheMinutes} min`,
      ),
    },
    { line: flat('kms-key', 'SNS and KMS', 'KMS keys encrypting the topics (pager and chat; one operator topic per region)', PRICES.kmsKey, usage.kmsKeys, 0, PRICES.kmsKey.note) },
    { line: { ...flat('sns', 'SNS and KMS', 'SNS topics and notifications', PRICES.snsPublish, SNS_TOPICS), unit: 'topics', detail: PRICES.snsPublish.note } },
  ];
  return specs;
}

function typicalCheck(specs: readonly LineSpec[], targets: readonly TargetUsage[], totalUsd: number): TypicalCheck | null {
  if (targets.length === 0) return null;
  const unitUsd = (line: CostLine): number => (line.quantity > 0 ? line.monthlyUsd / line.quantity : 0);
  const attributed = (t: TargetUsage): number => sum(specs, (s) => (s.attribute ? s.attribute(t) * unitUsd(s.line) : 0));
  const attributedTotal = sum(targets, attributed);
  const sharedUsd = (totalUsd - attributedTotal) / targets.length;
  const pick = median(targets, attributed);
  if (!pick) return null;
  const lines = specs
    .filter((s) => s.attribute)
    .map((s) => ({ id: s.line.id, item: s.line.item, monthlyUsd: (s.attribute?.(pick) ?? 0) * unitUsd(s.line) }));
  return {
    target: pick.target,
    regions: pick.regions.length,
    periodSeconds: pick.periodSeconds,
    lines,
    sharedUsd,
    totalUsd: sum(lines, (l) => l.monthlyUsd) + sharedUsd,
  };
}

function syntheticsComparison(usage: FleetUsage, lines: readonly CostLine[], totalUsd: number, freeTier: boolean): SyntheticsComparison {
  const canaries = sum(usage.targets, (t) => t.regions.length);
  const runsPerMonth = sum(usage.targets, (t) => t.runsPerRegion * t.regions.length);
  const freeRuns = freeTier ? Math.min(runsPerMonth, FREE_TIER.syntheticsCanaryRuns) : 0;
  const runsUsd = priceOf(PRICES.syntheticsCanaryRun, runsPerMonth - freeRuns);
  const alarmsAndDashboard = sum(
    lines.filter((l) => l.group === 'CloudWatch alarms' || l.group === 'CloudWatch dashboards'),
    (l) => l.monthlyUsd,
  );
  return {
    canaries,
    runsPerMonth,
    freeRuns,
    runsUsd,
    runsWithSameAlarmsUsd: runsUsd + alarmsAndDashboard,
    ratio: totalUsd > 0 ? runsUsd / totalUsd : 0,
    perCheck: {
      runsUsd: usage.targets.length > 0 ? runsUsd / usage.targets.length : 0,
      runsWithSameAlarmsUsd: usage.targets.length > 0 ? (runsUsd + alarmsAndDashboard) / usage.targets.length : 0,
    },
    included: `canary runs at $${PRICES.syntheticsCanaryRun.usd} each; in the second figure also this fleet's alarms and dashboard, which canaries need just as much`,
    excluded:
      'the Lambda time, S3 artifact storage, CloudWatch Logs and data transfer each canary run also incurs, so the canary figures are lower bounds',
  };
}

export function estimateFleetCost(fleet: Fleet, options: CostEstimateOptions = {}): CostEstimate {
  const freeTier = options.freeTier === true;
  const assumptions: UsageAssumptions = { ...DEFAULT_ASSUMPTIONS, ...options.assumptions };
  const usage = measureFleetUsage(fleet, assumptions, options.cronPeriod);
  const specs = lineSpecs(usage, freeTier);
  const lines = specs.map((s) => s.line);
  const totalUsd = sum(lines, (l) => l.monthlyUsd);
  const targets = usage.targets.length;

  const warnings: string[] = [];
  for (const o of usage.origins.filter((t) => t.secondsNeeded > t.secondsAvailable)) {
    warnings.push(
      `origin ${o.origin}: ${o.requestsPerRound} requests per round at ${o.requestsPerSecond}/s, burst ${o.burst}, need ${o.secondsNeeded.toFixed(1)} s per run, longer than the ${o.secondsAvailable.toFixed(1)} s its schedules leave; checks would be skipped every run — raise its rateLimit or run fewer checks`,
    );
  }
  for (const shard of usage.shards.filter((s) => s.overrunsPeriod)) {
    warnings.push(
      `shard ${shard.id}: ${shard.targets} checks need longer than the ${shard.periodSeconds} s period (rate-limit floor ${shard.rateLimitFloorMs} ms); some would be skipped every run — lower maxChecksPerShard or raise the rate limit`,
    );
  }

  const unconfirmed = Object.entries(PRICES)
    .filter(([, p]) => !p.confirmed)
    .map(([name]) => name);
  if (!CUSTOM_METRICS.confirmed) unconfirmed.push('customMetrics (the $0.05 and $0.02 tiers)');

  const logGbPerMonth = lines.find((l) => l.id === 'log-ingestion')?.quantity ?? 0;
  return {
    fleet: fleet.name,
    homeRegion: fleet.homeRegion,
    prices: { region: PRICE_REGION, readOn: PRICES_READ_ON, hoursPerMonth: HOURS_PER_MONTH, unconfirmed },
    freeTier,
    assumptions,
    counts: {
      checks: fleet.checks.length,
      targets,
      regions: usage.regions.length,
      shards: usage.shards.length,
      invocationsPerMonth: sum(usage.shards, (s) => s.invocationsPerMonth),
      checkRunsPerMonth: sum(usage.targets, (t) => t.runsPerRegion * t.regions.length),
      customMetrics: lines.find((l) => l.id === 'custom-metrics')?.quantity ?? 0,
      alarmMetrics: sum(
        lines.filter((l) => l.group === 'CloudWatch alarms' && l.id !== 'alarms-composite'),
        (l) => l.quantity,
      ),
      compositeAlarms: lines.find((l) => l.id === 'alarms-composite')?.quantity ?? 0,
      logGbPerMonth,
    },
    lines,
    totalUsd,
    perCheck: { targets, usd: targets > 0 ? totalUsd / targets : 0, typical: typicalCheck(specs, usage.targets, totalUsd) },
    synthetics: syntheticsComparison(usage, lines, totalUsd, freeTier),
    shards: usage.shards,
    traffic: usage.origins,
    warnings,
    notes: [
      `${PRICE_REGION} list prices read on ${PRICES_READ_ON}; every region is priced at them`,
      `a month is ${HOURS_PER_MONTH} hours`,
      freeTier
        ? 'monthly free tiers applied (Lambda, CloudWatch, Synthetics); they are shared with everything else in the account'
        : 'free tiers not applied (use --free-tier to apply them)',
      'retries, redirects and cold-start initialisation are not counted: they happen only on failures or new containers',
      'SNS is negligible: alarms publish only when their state changes',
    ],
  };
}
